package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File modes: the data directory holds recordings and the database, and the database holds camera
// URLs with passwords, so only nvrd's own user may read any of it.
const (
	DirMode    fs.FileMode = 0o700
	SecretMode fs.FileMode = 0o600
)

// ModeFix is one file or directory whose mode SecureDir narrowed.
type ModeFix struct {
	Path     string
	Old, New fs.FileMode
}

// secretFiles are the files in the data directory that hold secrets: the database and its WAL and
// shared-memory files (camera URLs with passwords, password, session and token hashes).
var secretFiles = []string{FileName, FileName + "-wal", FileName + "-shm", FileName + "-journal"}

// SecureDir creates dir (mode 0700) if needed and narrows the modes of dir (to 0700) and of the
// database files in it (to 0600) where they are looser. It returns what it changed, for the log.
func SecureDir(dir string) ([]ModeFix, error) {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	var fixes []ModeFix
	narrow := func(path string, want fs.FileMode) error {
		st, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if old := st.Mode().Perm(); old&^want != 0 {
			if err := os.Chmod(path, old&want); err != nil {
				return fmt.Errorf("cannot restrict %s to mode %04o: %w", path, want, err)
			}
			fixes = append(fixes, ModeFix{Path: path, Old: old, New: old & want})
		}
		return nil
	}
	if err := narrow(dir, DirMode); err != nil {
		return fixes, err
	}
	for _, f := range secretFiles {
		if err := narrow(filepath.Join(dir, f), SecretMode); err != nil {
			return fixes, err
		}
	}
	return fixes, nil
}

// createPrivate creates the database file with mode 0600 before SQLite opens it: SQLite gives the
// WAL and shared-memory files the database file's mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, SecretMode)
	if err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	return f.Close()
}
