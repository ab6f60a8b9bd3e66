package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// newNVRDDirs gives a fresh data and RAM directory for a real nvrd (nothing started yet).
func newNVRDDirs(t *testing.T) *nvrdProc {
	t.Helper()
	need(t)
	dir := t.TempDir()
	return &nvrdProc{data: filepath.Join(dir, "data"), ram: filepath.Join(dir, "ram"), stderr: &lockedBuffer{}}
}

// waitExit waits up to d for cmd to end and returns its error; it fails the test if it does not end.
func waitExit(t *testing.T, p *nvrdProc, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		_ = p.cmd.Process.Kill()
		<-done
		t.Fatalf("nvrd still runs %s after its core failed:\n%s", d, p.stderr)
		return nil
	}
}

// TestNvrdExitsWhenCoreFails: when the core stops with an error (here the recorder's start-up
// reconciliation, which finds a file where a recording's directory must be), nvrd does not go on
// serving a web page with dead cameras: it exits non-zero and says why in one sentence.
func TestNvrdExitsWhenCoreFails(t *testing.T) {
	p := newNVRDDirs(t)
	st, err := store.Open(p.data)
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("gate", "2026-01-01", "1")
	rec := &store.Recording{CameraID: "gate", Kind: store.KindEvent, Reason: "motion", Start: time.Now().Add(-time.Hour), Dir: rel}
	if err := st.CreateRecording(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	st.Close()
	bad := filepath.Join(p.data, "recordings", rel)
	if err := os.MkdirAll(filepath.Dir(bad), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("not a directory"), 0o640); err != nil {
		t.Fatal(err)
	}

	addr := freeAddr(t)
	p.url = "http://" + addr
	p.cmd = execNVRD(p, addr)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	err = waitExit(t, p, 20*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("nvrd exited with %v, want a non-zero exit:\n%s", err, p.stderr)
	}
	var last string
	for _, l := range strings.Split(strings.TrimSpace(p.stderr.String()), "\n") {
		if strings.HasPrefix(l, "nvrd: ") {
			last = l
		}
	}
	if last == "" || !strings.Contains(last, "recorder") || !strings.Contains(last, "not a directory") {
		t.Fatalf("nvrd did not say in one line why it stopped:\n%s", p.stderr)
	}
	t.Logf("nvrd said: %s", last)
}
