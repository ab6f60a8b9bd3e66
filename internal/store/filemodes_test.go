package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestFileModes: a new data dir is 0700 and the database, WAL and shared-memory files 0600; a looser
// existing dir and database are narrowed by SecureDir, which says what it changed.
func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCamera(context.Background(), &Camera{Name: "A", URL: "demo://", CameraSettings: DefaultSettings()}); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("new data dir mode %04o, want 0700", m)
	}
	for _, f := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
		if m := mode(t, filepath.Join(dir, f)); m != 0o600 {
			t.Errorf("%s mode %04o, want 0600", f, m)
		}
	}
	st.Close()

	// An older nvrd's modes: 0755 dir, 0644 files.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
		p := filepath.Join(dir, f)
		if _, err := os.Stat(p); err == nil {
			os.Chmod(p, 0o644)
		}
	}
	fixes, err := SecureDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixes) < 2 || fixes[0].Path != dir || fixes[0].Old != 0o755 || fixes[0].New != 0o700 {
		t.Fatalf("fixes %+v", fixes)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("data dir mode after SecureDir %04o", m)
	}
	if m := mode(t, filepath.Join(dir, FileName)); m != 0o600 {
		t.Errorf("database mode after SecureDir %04o", m)
	}
	if again, _ := SecureDir(dir); len(again) != 0 {
		t.Errorf("a second SecureDir changed %+v", again)
	}
}
