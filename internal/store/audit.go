package store

import (
	"context"
	"strings"
	"time"
)

// Audit actions.
const (
	AuditLoginOK       = "login_ok"
	AuditLoginFailed   = "login_failed"
	AuditLiveStart     = "live_start"
	AuditLiveStop      = "live_stop"
	AuditRecordingPlay = "recording_play"
	AuditExport        = "export"
	AuditSnapshot      = "snapshot"
	AuditSettings      = "settings_change"
	AuditUser          = "user_change"
	AuditTokenUse      = "token_use"
	AuditRecordStart   = "record_start"
)

// AuditEntry is one line of the audit log: who (a user name, "" if none), from where (the client
// address), when, what (Action), which camera, and a short detail. It never holds a secret.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	User   string    `json:"user,omitempty"`
	Addr   string    `json:"addr,omitempty"`
	Action string    `json:"action"`
	Camera string    `json:"camera,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// AuditFilter selects audit entries; zero fields match everything. Limit 0 means 1000.
type AuditFilter struct {
	Since, Until         time.Time
	User, Camera, Action string
	Limit                int
}

// AddAudit appends an entry (At zero: now).
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit(at_ns, user, addr, action, camera, detail) VALUES (?,?,?,?,?,?)`,
		e.At.UnixNano(), e.User, e.Addr, e.Action, e.Camera, e.Detail)
	return err
}

// ListAudit returns matching entries, oldest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	if !f.Since.IsZero() {
		where, args = append(where, "at_ns >= ?"), append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at_ns < ?"), append(args, f.Until.UnixNano())
	}
	for _, c := range []struct{ col, v string }{{"user", f.User}, {"camera", f.Camera}, {"action", f.Action}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	q := `SELECT id, at_ns, user, addr, action, camera, detail FROM audit`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 1000
	}
	q += " ORDER BY at_ns, id LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.User, &e.Addr, &e.Action, &e.Camera, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.Unix(0, at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditRetention is how long audit entries are kept: the longest recording retention of any camera,
// at least DefaultMaxAgeDays.
func (s *Store) AuditRetention(ctx context.Context) time.Duration {
	days := DefaultMaxAgeDays
	if cams, err := s.Cameras(ctx); err == nil {
		for _, c := range cams {
			days = max(days, c.Record.MaxAgeDays)
		}
	}
	return time.Duration(days) * 24 * time.Hour
}

// PruneAudit deletes entries older than before and returns how many.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM audit WHERE at_ns < ?`, before.UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
