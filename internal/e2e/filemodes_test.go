package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
)

func permOf(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestFileModesOnStart: after a first start the data and RAM directories are 0700 and the database
// files 0600; a start on a data directory left 0755 with a 0644 database narrows both and logs it.
func TestFileModesOnStart(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	n := startNVR(t)
	n.stop()
	ram := filepath.Join(filepath.Dir(n.dataDir), "ram")
	for _, d := range []string{n.dataDir, ram} {
		if m := permOf(t, d); m != 0o700 {
			t.Errorf("%s is %04o after the first start, want 0700", d, m)
		}
	}
	for _, f := range []string{store.FileName, store.FileName + "-wal", store.FileName + "-shm"} {
		if p := filepath.Join(n.dataDir, f); fileExists(p) {
			if m := permOf(t, p); m != 0o600 {
				t.Errorf("%s is %04o after the first start, want 0600", f, m)
			}
		} else if f == store.FileName {
			t.Fatal("no database after the first start")
		}
	}

	// An older nvrd's modes, then a start on the same directory.
	if err := os.Chmod(n.dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(n.dataDir, store.FileName), 0o644); err != nil {
		t.Fatal(err)
	}
	n2 := startNVRWith(t, nvrOptions{dataDir: n.dataDir})
	if m := permOf(t, n.dataDir); m != 0o700 {
		t.Errorf("the data dir is %04o after a start on a 0755 one, want 0700", m)
	}
	if m := permOf(t, filepath.Join(n.dataDir, store.FileName)); m != 0o600 {
		t.Errorf("the database is %04o after a start on a 0644 one, want 0600", m)
	}
	logs := n2.logs.String()
	if !strings.Contains(logs, "narrowed") || !strings.Contains(logs, "old=0755") || !strings.Contains(logs, "old=0644") {
		t.Errorf("the fixes are not logged:\n%s", logs)
	}
}
