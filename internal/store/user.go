package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Roles.
const (
	RoleAdmin  = "admin"
	RoleViewer = "viewer"
)

// Perm is what a viewer may do with one camera. Admins may do everything.
type Perm struct {
	Live       bool `json:"live"`
	Recordings bool `json:"recordings"`
	// Record lets the viewer start a recording (POST /api/cameras/{id}/record); off unless given.
	Record bool `json:"record"`
	PTZ    bool `json:"ptz"` // pan/tilt/zoom and presets
}

// User is an account. PasswordHash is never sent to clients.
type User struct {
	ID           int64           `json:"-"`
	Name         string          `json:"name"`
	Role         string          `json:"role"`
	PasswordHash string          `json:"-"`
	Cameras      map[string]Perm `json:"cameras,omitempty"` // camera id → permission (viewers)
}

var userNameRe = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// ValidateUserName accepts 1–64 letters, digits and . _ @ -.
func ValidateUserName(name string) error {
	if !userNameRe.MatchString(name) {
		return fmt.Errorf("user name %q must be 1 to 64 letters, digits or . _ @ -", name)
	}
	return nil
}

// CreateUser inserts a user with an already hashed password and its camera permissions.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	if err := ValidateUserName(u.Name); err != nil {
		return err
	}
	if u.Role != RoleAdmin && u.Role != RoleViewer {
		return fmt.Errorf("role %q is not admin or viewer", u.Role)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users(name, role, password_hash, created_ns) VALUES (?,?,?,?)`,
			u.Name, u.Role, u.PasswordHash, time.Now().UnixNano())
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return conflict(fmt.Sprintf("a user named %q already exists", u.Name))
			}
			return err
		}
		u.ID, _ = res.LastInsertId()
		return setPerms(ctx, tx, u.ID, u.Cameras)
	})
}

func setPerms(ctx context.Context, tx *sql.Tx, userID int64, perms map[string]Perm) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_cameras WHERE user_id=?`, userID); err != nil {
		return err
	}
	for cam, p := range perms {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_cameras(user_id, camera_id, live, recordings, record, ptz) VALUES (?,?,?,?,?,?)`,
			userID, cam, p.Live, p.Recordings, p.Record, p.PTZ); err != nil {
			if strings.Contains(err.Error(), "FOREIGN KEY") {
				return fmt.Errorf("camera %q: %w", cam, ErrNotFound)
			}
			return err
		}
	}
	return nil
}

// SetUserPassword replaces a user's password hash and ends their sessions.
func (s *Store) SetUserPassword(ctx context.Context, name, hash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash=? WHERE name=?`, hash, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %q: %w", name, ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id=(SELECT id FROM users WHERE name=?)`, name)
		return err
	})
}

// DeleteUser removes a user with their tokens and sessions.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM users WHERE name=?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	return nil
}

// CountUsers returns how many users exist (0 means first-run setup is open).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// Users lists every user with permissions.
func (s *Store) Users(ctx context.Context) ([]*User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, role, password_hash FROM users ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []*User
	for rows.Next() {
		u := &User{}
		if err := rows.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, u)
	}
	rows.Close()
	for _, u := range out {
		if u.Cameras, err = s.perms(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// UserByName returns a user with permissions.
func (s *Store) UserByName(ctx context.Context, name string) (*User, error) {
	return s.userWhere(ctx, `name = ?`, name)
}

// UserByID returns a user with permissions.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.userWhere(ctx, `id = ?`, id)
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (*User, error) {
	u := &User{}
	err := s.db.QueryRowContext(ctx, `SELECT id, name, role, password_hash FROM users WHERE `+where, arg).
		Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("user %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	u.Cameras, err = s.perms(ctx, u.ID)
	return u, err
}

func (s *Store) perms(ctx context.Context, userID int64) (map[string]Perm, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT camera_id, live, recordings, record, ptz FROM user_cameras WHERE user_id=?`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]Perm{}
	for rows.Next() {
		var id string
		var p Perm
		if err := rows.Scan(&id, &p.Live, &p.Recordings, &p.Record, &p.PTZ); err != nil {
			return nil, err
		}
		m[id] = p
	}
	return m, rows.Err()
}

// CreateToken stores an API token's hash for a user.
func (s *Store) CreateToken(ctx context.Context, userID int64, hash, name string) error {
	if err := ValidateText("token name", name); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO tokens(user_id, hash, name, created_ns) VALUES (?,?,?,?)`, userID, hash, name, time.Now().UnixNano())
	return err
}

// UserByToken returns the user owning a non-revoked token hash.
func (s *Store) UserByToken(ctx context.Context, hash string) (*User, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT user_id FROM tokens WHERE hash=? AND revoked=0`, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

// RevokeTokens revokes every token of a user (or only the one named, when name is not empty).
func (s *Store) RevokeTokens(ctx context.Context, user, name string) (int64, error) {
	q := `UPDATE tokens SET revoked=1 WHERE revoked=0 AND user_id=(SELECT id FROM users WHERE name=?)`
	args := []any{user}
	if name != "" {
		q += ` AND name=?`
		args = append(args, name)
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Session is a logged-in browser.
type Session struct {
	UserID  int64
	CSRF    string
	Expires time.Time
}

// CreateSession stores a session by the hash of its cookie value.
func (s *Store) CreateSession(ctx context.Context, hash string, sess Session) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions(hash, user_id, csrf, created_ns, expires_ns) VALUES (?,?,?,?,?)`,
		hash, sess.UserID, sess.CSRF, time.Now().UnixNano(), sess.Expires.UnixNano())
	return err
}

// SessionByHash returns an unexpired session.
func (s *Store) SessionByHash(ctx context.Context, hash string) (*Session, error) {
	var sess Session
	var exp int64
	err := s.db.QueryRowContext(ctx, `SELECT user_id, csrf, expires_ns FROM sessions WHERE hash=? AND expires_ns > ?`, hash, time.Now().UnixNano()).
		Scan(&sess.UserID, &sess.CSRF, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("session: %w", ErrNotFound)
	}
	sess.Expires = time.Unix(0, exp)
	return &sess, err
}

// DeleteSession ends a session; expired ones are swept at the same time.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE hash=? OR expires_ns < ?`, hash, time.Now().UnixNano())
	return err
}
