package segments

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileDurable writes data to dir/name so that after a crash the file is either complete or absent:
// it writes a temporary file (see IsTemp) in dir, fsyncs it, renames it to name and fsyncs dir. Errors
// wrap the system error, so errors.Is(err, syscall.ENOSPC) tells a full disk.
func WriteFileDurable(dir, name string, data []byte) error {
	if name == "" || name != filepath.Base(name) || IsTemp(name) {
		return fmt.Errorf("durable write: %q is not a plain file name", name)
	}
	final := filepath.Join(dir, name)
	tmp := filepath.Join(dir, tempName(name))
	if err := writeSynced(tmp, data); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("durable write of %s: %w", final, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("durable write of %s: %w", final, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("durable write of %s: the file is written but its directory was not synced: %w", final, err)
	}
	return nil
}

// writeSynced creates path with data and fsyncs it.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	return errors.Join(werr, f.Close())
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
