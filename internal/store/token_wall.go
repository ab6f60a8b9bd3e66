package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Token kinds. An API token acts as its user; a wall token may only show live video of its cameras.
const (
	TokenAPI  = "api"
	TokenWall = "wall"
)

// wallMigrations give tokens a kind and, for wall tokens, the cameras they may show.
var wallMigrations = []string{
	`ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'api'`,
	`ALTER TABLE tokens ADD COLUMN cameras TEXT NOT NULL DEFAULT ''`,
}

// CreateWallTokenFor stores a wall token's hash for a user (its creator) with the cameras it may show
// live, and returns the token's id. Every camera must exist.
func (s *Store) CreateWallTokenFor(ctx context.Context, userID int64, hash, name string, cameras []string) (int64, error) {
	name = strings.TrimSpace(name)
	if err := ValidateText("token name", name); err != nil {
		return 0, err
	}
	if len(name) > 100 {
		return 0, errors.New("token name is longer than 100 bytes")
	}
	if len(cameras) == 0 || len(cameras) > 16 {
		return 0, errors.New("a wall token shows 1 to 16 cameras (cameras)")
	}
	for _, c := range cameras {
		var one int
		if err := s.db.QueryRowContext(ctx, `SELECT 1 FROM cameras WHERE id=?`, c).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return 0, fmt.Errorf("there is no camera %q for the wall", c)
			}
			return 0, err
		}
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO tokens(user_id, hash, name, created_ns, kind, cameras) VALUES (?,?,?,?,?,?)`,
		userID, hash, name, time.Now().UnixNano(), TokenWall, strings.Join(cameras, ","))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// TokenScope returns the kind of a non-revoked token and, for a wall token, its cameras.
func (s *Store) TokenScope(ctx context.Context, hash string) (kind string, cameras []string, err error) {
	var cams string
	err = s.db.QueryRowContext(ctx, `SELECT kind, cameras FROM tokens WHERE hash=? AND revoked=0`, hash).Scan(&kind, &cams)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return "", nil, err
	}
	return kind, splitCameras(cams), nil
}

func splitCameras(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
