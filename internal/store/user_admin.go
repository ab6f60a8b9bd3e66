package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrLastAdmin is returned when a change would leave nvr without an administrator.
var ErrLastAdmin = errors.New("nvr needs at least one administrator: make another user an administrator first")

// UserChange is a change to a user; nil fields stay as they are.
type UserChange struct {
	Role         *string
	Cameras      *map[string]Perm // replaces every camera permission
	PasswordHash *string
	// KeepSession is the hash of a session that survives a password change (the one making it); the
	// user's other sessions end.
	KeepSession string
}

// UpdateUser applies a change in one transaction: all of it or nothing. It refuses to demote the last
// administrator.
func (s *Store) UpdateUser(ctx context.Context, name string, ch UserChange) (*User, error) {
	if ch.Role != nil && *ch.Role != RoleAdmin && *ch.Role != RoleViewer {
		return nil, fmt.Errorf("role %q is not admin or viewer", *ch.Role)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var role string
		err := tx.QueryRowContext(ctx, `SELECT id, role FROM users WHERE name=?`, name).Scan(&id, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("there is no user named %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if ch.Role != nil && *ch.Role != role {
			if role == RoleAdmin {
				if err := lastAdminCheck(ctx, tx); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET role=? WHERE id=?`, *ch.Role, id); err != nil {
				return err
			}
		}
		if ch.Cameras != nil {
			if err := setPerms(ctx, tx, id, *ch.Cameras); err != nil {
				return permError(err)
			}
		}
		if ch.PasswordHash != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash=? WHERE id=?`, *ch.PasswordHash, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id=? AND hash<>?`, id, ch.KeepSession); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.UserByName(ctx, name)
}

// lastAdminCheck fails when at most one administrator exists.
func lastAdminCheck(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role=?`, RoleAdmin).Scan(&n); err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

// RemoveUser deletes a user with their permissions, tokens and sessions, refusing to remove the last
// administrator. It returns the removed user's id.
func (s *Store) RemoveUser(ctx context.Context, name string) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var role string
		err := tx.QueryRowContext(ctx, `SELECT id, role FROM users WHERE name=?`, name).Scan(&id, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("there is no user named %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if role == RoleAdmin {
			if err := lastAdminCheck(ctx, tx); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM users WHERE id=?`, id)
		return err
	})
	return id, err
}

// Token is an API token as listed: never its secret, which only its creator saw once.
type Token struct {
	ID      int64     `json:"-"`
	Name    string    `json:"name"`
	User    string    `json:"user"`
	UserID  int64     `json:"-"`
	Created time.Time `json:"-"`
	Kind    string    `json:"kind"`              // TokenAPI or TokenWall
	Cameras []string  `json:"cameras,omitempty"` // a wall token's cameras
}

// CreateTokenFor stores a token's hash for a user and returns the token's id.
func (s *Store) CreateTokenFor(ctx context.Context, userID int64, hash, name string) (int64, error) {
	name = strings.TrimSpace(name)
	if err := ValidateText("token name", name); err != nil {
		return 0, err
	}
	if len(name) > 100 {
		return 0, errors.New("token name is longer than 100 bytes")
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO tokens(user_id, hash, name, created_ns) VALUES (?,?,?,?)`, userID, hash, name, time.Now().UnixNano())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Tokens lists the tokens not revoked, of one user (userID > 0) or of everyone, oldest first.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	q := `SELECT t.id, t.name, u.name, u.id, t.created_ns, t.kind, t.cameras FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.revoked=0`
	var args []any
	if userID > 0 {
		q += ` AND u.id=?`
		args = append(args, userID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY t.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var ns int64
		var cams string
		if err := rows.Scan(&t.ID, &t.Name, &t.User, &t.UserID, &ns, &t.Kind, &cams); err != nil {
			return nil, err
		}
		t.Cameras = splitCameras(cams)
		t.Created = time.Unix(0, ns).UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// TokenByID returns a token not revoked.
func (s *Store) TokenByID(ctx context.Context, id int64) (*Token, error) {
	var t Token
	var ns int64
	var cams string
	err := s.db.QueryRowContext(ctx, `SELECT t.id, t.name, u.name, u.id, t.created_ns, t.kind, t.cameras FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.revoked=0 AND t.id=?`, id).Scan(&t.ID, &t.Name, &t.User, &t.UserID, &ns, &t.Kind, &cams)
	t.Cameras = splitCameras(cams)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("there is no token %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	t.Created = time.Unix(0, ns).UTC()
	return &t, nil
}

// RevokeTokenByID revokes one token.
func (s *Store) RevokeTokenByID(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE tokens SET revoked=1 WHERE revoked=0 AND id=?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("there is no token %d: %w", id, ErrNotFound)
	}
	return nil
}

// permError words a permission on a camera that does not exist as bad input (not a missing user).
func permError(err error) error {
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("a permission names a camera that does not exist (%s)", strings.TrimSuffix(err.Error(), ": not found"))
	}
	return err
}
