package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Recovery says what OpenRecovering found and did; the zero value means the database was fine.
type Recovery struct {
	Problem    string // why the database could not be used ("" = it was fine)
	MovedTo    string // where the damaged file went ("" = there was none)
	FromBackup string // the backup the settings came from ("" = none: started empty)
}

// Sentence is the one log line that tells the owner what happened.
func (r Recovery) Sentence() string {
	if r.Problem == "" {
		return ""
	}
	s := "the database " + r.Problem
	if r.MovedTo != "" {
		s += "; it was moved aside to " + r.MovedTo
	}
	if r.FromBackup != "" {
		s += "; settings and users were restored from the backup " + r.FromBackup
	} else {
		s += "; there was no backup, so settings start empty"
	}
	return s + ", and the recordings index is rebuilt from the files on disk"
}

// Check opens the database file at path read-only and runs SQLite's integrity check; nil means it is a
// whole nvr database.
func Check(ctx context.Context, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return errors.New("is empty")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("cannot be opened: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("is not a readable SQLite database (%w)", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return fmt.Errorf("is damaged (%w)", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("is damaged (%w)", err)
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], "...")
		}
		return fmt.Errorf("failed the integrity check (%s)", strings.Join(problems, "; "))
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type='table' AND name='cameras'`).Scan(&n); err != nil {
		return fmt.Errorf("has no readable schema (%w)", err)
	}
	if n == 0 {
		return errors.New("has no cameras table: it is not an nvr database")
	}
	return nil
}

// OpenRecovering opens the database in dataDir like Open, for the one nvrd that owns the data
// directory. If nvr.db is missing (while backups or recordings exist), truncated or corrupt, the
// damaged file is moved aside to nvr.db.damaged-<time>, the newest automatic backup that passes the
// integrity check becomes the database, and the caller rebuilds the recordings index from disk (the
// recorder's reconcile indexes every directory the index does not know).
func OpenRecovering(ctx context.Context, dataDir string) (*Store, Recovery, error) {
	var rec Recovery
	path := filepath.Join(dataDir, FileName)
	_, statErr := os.Stat(path)
	switch {
	case errors.Is(statErr, os.ErrNotExist):
		if len(Backups(dataDir)) == 0 && !hasRecordings(dataDir) {
			break // a first start
		}
		rec.Problem = "file " + path + " is missing"
		// A WAL without its database would be applied to the new one: moved aside too.
		moveAside(path, &rec, false)
	case statErr != nil:
		return nil, rec, fmt.Errorf("open database %s: %w", path, statErr)
	default:
		if err := Check(ctx, path); err != nil {
			rec.Problem = path + " " + err.Error()
			moveAside(path, &rec, true)
		}
	}
	if rec.Problem != "" {
		for _, b := range Backups(dataDir) {
			if Check(ctx, b) != nil {
				continue
			}
			if err := copyDurable(b, path); err != nil {
				return nil, rec, fmt.Errorf("restore the backup %s: %w", b, err)
			}
			rec.FromBackup = b
			break
		}
	}
	st, err := Open(dataDir)
	if err != nil {
		return nil, rec, err
	}
	return st, rec, nil
}

// moveAside renames the database (and its WAL and shared-memory files) to <name>.damaged-<time>.
func moveAside(path string, rec *Recovery, main bool) {
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		from := path + suffix
		if _, err := os.Stat(from); err != nil {
			continue
		}
		to := path + ".damaged-" + stamp + suffix
		if err := os.Rename(from, to); err == nil && suffix == "" && main {
			rec.MovedTo = to
		}
	}
}

// hasRecordings says whether dataDir holds any recording directory.
func hasRecordings(dataDir string) bool {
	cams, _ := os.ReadDir(filepath.Join(dataDir, "recordings"))
	for _, c := range cams {
		if c.IsDir() {
			return true
		}
	}
	return false
}

// Restore makes the database file at from the database of dataDir: it must pass the integrity check;
// the current database (if any) is moved aside to nvr.db.replaced-<time>. The caller must hold the data
// directory's lock (no nvrd running). The recordings index is rebuilt from disk at the next start.
func Restore(ctx context.Context, dataDir, from string) (replaced string, err error) {
	if err := Check(ctx, from); err != nil {
		return "", fmt.Errorf("%s cannot be restored: it %w", from, err)
	}
	path := filepath.Join(dataDir, FileName)
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			to := path + ".replaced-" + stamp + suffix
			if err := os.Rename(path+suffix, to); err != nil {
				return "", fmt.Errorf("move the current database aside: %w", err)
			}
			if suffix == "" {
				replaced = to
			}
		}
	}
	if err := copyDurable(from, path); err != nil {
		return replaced, err
	}
	// Whatever the backup holds of the index is dropped: the files on disk are the truth.
	st, err := Open(dataDir)
	if err != nil {
		return replaced, err
	}
	defer st.Close()
	for t := range indexTables {
		if _, err := st.db.ExecContext(ctx, `DELETE FROM "`+t+`"`); err != nil && !strings.Contains(err.Error(), "no such table") {
			return replaced, fmt.Errorf("clear the restored index: %w", err)
		}
	}
	return replaced, nil
}

// copyDurable copies from to a temp file beside to, fsyncs it and renames it into place.
func copyDurable(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := to + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, SecretMode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, to); err != nil {
		os.Remove(tmp)
		return err
	}
	return fsyncFile(filepath.Dir(to))
}
