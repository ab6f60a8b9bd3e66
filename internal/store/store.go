// Package store keeps nvr's settings, cameras and (later) the index of recordings and events in one
// embedded SQLite database in the data directory. Nothing to administer: the schema is created and
// migrated on Open. Several processes may open the same database (a running nvrd and `nvrd camera add`);
// WAL mode and a busy timeout make that safe.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

// ErrNotFound is returned when a row asked for by id or name does not exist.
var ErrNotFound = errors.New("not found")

// Store is the database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
}

// FileName is the database file inside the data directory.
const FileName = "nvr.db"

// MaxOpenConns bounds the database connections one process opens (about three descriptors each).
const MaxOpenConns = 16

// Open opens (creating if needed) the database in dataDir.
func Open(dataDir string) (*Store, error) {
	if err := os.MkdirAll(dataDir, DirMode); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, FileName)
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	// _txlock=immediate: every transaction takes the write lock when it begins, so one that reads before it
	// writes waits (busy_timeout) instead of failing with SQLITE_BUSY when another connection wrote meanwhile.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Each SQLite connection holds file descriptors (database, WAL, shared memory): bounded, so a burst
	// of requests cannot take the descriptors recording needs.
	db.SetMaxOpenConns(MaxOpenConns)
	s := &Store{db: db, path: path}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare database %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the handle to the other store files' helpers and tests.
func (s *Store) DB() *sql.DB { return s.db }

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS cameras (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL UNIQUE COLLATE NOCASE,
		url TEXT NOT NULL,
		enabled INTEGER NOT NULL DEFAULT 1,
		settings TEXT NOT NULL DEFAULT '{}',
		revision INTEGER NOT NULL DEFAULT 1,
		created_ns INTEGER NOT NULL,
		updated_ns INTEGER NOT NULL
	)`,
	`INSERT OR IGNORE INTO meta(key, value) VALUES ('cameras_rev', '0')`,
	`CREATE TABLE IF NOT EXISTS users (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE COLLATE NOCASE,
		role TEXT NOT NULL CHECK (role IN ('admin','viewer')),
		password_hash TEXT NOT NULL,
		created_ns INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS user_cameras (
		user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		camera_id TEXT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
		live INTEGER NOT NULL DEFAULT 1,
		recordings INTEGER NOT NULL DEFAULT 1,
		ptz INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (user_id, camera_id)
	)`,
	`CREATE TABLE IF NOT EXISTS tokens (
		id INTEGER PRIMARY KEY,
		user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		hash TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL DEFAULT '',
		created_ns INTEGER NOT NULL,
		revoked INTEGER NOT NULL DEFAULT 0
	)`,
	`CREATE TABLE IF NOT EXISTS sessions (
		hash TEXT PRIMARY KEY,
		user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		csrf TEXT NOT NULL,
		created_ns INTEGER NOT NULL,
		expires_ns INTEGER NOT NULL
	)`,
}

// schema lists the migrations of every part of the store, in order; each file adds its own slice.
func schema() [][]string {
	return [][]string{migrations, recordingMigrations, eventMigrations, groupMigrations, trustMigrations, reviewMigrations, timelineMigrations, integrationMigrations, wallMigrations, sightingMigrations}
}

func (s *Store) migrate(ctx context.Context) error {
	var all []string
	for _, part := range schema() {
		all = append(all, part...)
	}
	for _, m := range all {
		if _, err := s.db.ExecContext(ctx, m); err != nil {
			// ADD COLUMN has no IF NOT EXISTS: a column added by an earlier start is already there.
			if strings.HasPrefix(m, "ALTER TABLE") && strings.Contains(err.Error(), "duplicate column name") {
				continue
			}
			return err
		}
	}
	if err := s.widenEventKinds(ctx); err != nil {
		return err
	}
	if err := s.ensureAutoincrement(ctx); err != nil {
		return err
	}
	// A rebuilt table has the indexes it had; one added by a later part of the schema (the timeline's) is
	// made again here if a rebuild dropped it.
	for _, m := range all {
		if strings.HasPrefix(m, "CREATE INDEX IF NOT EXISTS") {
			if _, err := s.db.ExecContext(ctx, m); err != nil {
				return err
			}
		}
	}
	return nil
}
