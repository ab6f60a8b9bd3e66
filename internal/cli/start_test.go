package cli

import (
	"net"
	"strings"
	"testing"
)

// TestStartListenErrors: a --listen that is not an address says so; one in use says that, not that
// another nvrd runs (which nvrd can tell by its lock).
func TestStartListenErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for addr, want := range map[string]string{
		"nonsense":           `--listen "nonsense" is not a valid address`,
		"127.0.0.1:99999":    `--listen "127.0.0.1:99999" is not a valid address`,
		busy.Addr().String(): "is already in use by another program",
	} {
		_, err := runNvrd(t, "start", "--data-dir", t.TempDir(), "--ram-dir", t.TempDir(), "--listen", addr)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "another nvrd") {
			t.Errorf("--listen %s: %v, want %q", addr, err, want)
		}
	}
}
