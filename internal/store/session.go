package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SessionInfo is one of a user's open sessions as the user may see it: an opaque id, never the hash.
type SessionInfo struct {
	ID      int64     `json:"id"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Hash    string    `json:"-"` // the stored hash of the cookie, to end its live sockets
}

// UserSessions lists a user's unexpired sessions, newest first.
func (s *Store) UserSessions(ctx context.Context, userID int64) ([]SessionInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT rowid, hash, created_ns, expires_ns FROM sessions
		WHERE user_id=? AND expires_ns > ? ORDER BY created_ns DESC, rowid DESC`, userID, time.Now().UnixNano())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SessionInfo
	for rows.Next() {
		var si SessionInfo
		var c, e int64
		if err := rows.Scan(&si.ID, &si.Hash, &c, &e); err != nil {
			return nil, err
		}
		si.Created, si.Expires = time.Unix(0, c).UTC(), time.Unix(0, e).UTC()
		out = append(out, si)
	}
	return out, rows.Err()
}

// SessionID returns the opaque id of the session with the cookie hash.
func (s *Store) SessionID(ctx context.Context, hash string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT rowid FROM sessions WHERE hash=?`, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("session: %w", ErrNotFound)
	}
	return id, err
}

// DeleteUserSession ends one of the user's sessions by id and returns its hash; another user's session
// is not found.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id int64) (string, error) {
	var hash string
	err := s.db.QueryRowContext(ctx, `DELETE FROM sessions WHERE rowid=? AND user_id=? RETURNING hash`, id, userID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("you have no session %d: %w", id, ErrNotFound)
	}
	return hash, err
}
