package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// BackupDir is the directory of automatic settings backups inside the data directory.
const BackupDir = "backups"

// BackupsKept is how many daily backups are kept.
const BackupsKept = 7

// indexTables are rebuilt from disk or short-lived, or belong to such rows (an event's snapshot,
// sightings and review marks), so backups leave them empty and the settings fingerprint skips them:
// everything else (cameras, users, permissions, tokens, settings of every part) is kept.
var indexTables = map[string]bool{"recordings": true, "events": true, "event_snapshots": true, "event_sightings": true,
	"event_reviews": true, "sessions": true, "webhook_deliveries": true}

// BackupName is the automatic backup file of day t.
func BackupName(t time.Time) string { return "nvr-" + t.UTC().Format("2006-01-02") + ".db" }

// Backup writes a copy of the settings tables to path: VACUUM INTO a temp file beside it, index
// tables emptied, fsynced, then renamed over path, so path is always a whole database.
func (s *Store) Backup(ctx context.Context, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), DirMode); err != nil {
		return fmt.Errorf("create the backup directory: %w", err)
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return fmt.Errorf("back up the database to %s: %w", path, err)
	}
	if err := trimBackup(ctx, tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, SecretMode); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := fsyncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("back up the database: %w", err)
	}
	return fsyncFile(filepath.Dir(path))
}

// trimBackup empties the index tables of a fresh copy and compacts it.
func trimBackup(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	names, err := tableNames(ctx, db)
	if err != nil {
		return fmt.Errorf("read the backup's tables: %w", err)
	}
	for _, t := range names {
		if indexTables[t] {
			if _, err := db.ExecContext(ctx, `DELETE FROM "`+t+`"`); err != nil {
				return fmt.Errorf("trim the backup: %w", err)
			}
		}
	}
	if _, err := db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("compact the backup: %w", err)
	}
	return nil
}

func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// SettingsFingerprint is a hash of every settings table's content (not the index tables): equal
// fingerprints mean a new backup would hold the same settings.
func (s *Store) SettingsFingerprint(ctx context.Context) (string, error) {
	names, err := tableNames(ctx, s.db)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, t := range names {
		if indexTables[t] {
			continue
		}
		fmt.Fprintf(h, "table %s\n", t)
		rows, err := s.db.QueryContext(ctx, `SELECT * FROM "`+t+`"`)
		if err != nil {
			return "", err
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return "", err
			}
			fmt.Fprintf(h, "%q\n", vals)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Backups lists the automatic backups in dataDir, newest first.
func Backups(dataDir string) []string {
	ents, _ := os.ReadDir(filepath.Join(dataDir, BackupDir))
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, "nvr-") && strings.HasSuffix(n, ".db") {
			out = append(out, filepath.Join(dataDir, BackupDir, n))
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

// AutoBackup writes today's backup in dataDir and removes all but the newest BackupsKept.
func (s *Store) AutoBackup(ctx context.Context, dataDir string, now time.Time) (string, error) {
	path := filepath.Join(dataDir, BackupDir, BackupName(now))
	if err := s.Backup(ctx, path); err != nil {
		return "", err
	}
	for i, old := range Backups(dataDir) {
		if i >= BackupsKept {
			_ = os.Remove(old)
		}
	}
	return path, nil
}

func fsyncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return nil
}
