package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Setting is a stored settings document (JSON) under key, and whether there is one.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, "setting:"+key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read the %s settings: %w", key, err)
	}
	return v, true, nil
}

// SetSetting stores a settings document (JSON) under key, replacing the one there.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, "setting:"+key, value)
	if err != nil {
		return fmt.Errorf("save the %s settings: %w", key, err)
	}
	return nil
}
