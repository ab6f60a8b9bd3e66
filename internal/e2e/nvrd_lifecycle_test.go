package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
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
		t.Fatalf("nvrd still runs %s later:\n%s", d, p.stderr)
		return nil
	}
}

// TestNvrdExitsWhenCoreFails: when the core stops with an error (here the recorder's start-up
// reconciliation, which finds a file where a recording's directory must be), nvrd does not go on
// serving a web page with dead cameras: it exits non-zero and says why in one sentence.
func TestNvrdExitsWhenCoreFails(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
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

// ramFiles lists the sockets and FIFOs of every nvrd instance under a --ram-dir.
func ramFiles(ram string) []string {
	a, _ := filepath.Glob(filepath.Join(ram, "run", "*"))
	b, _ := filepath.Glob(filepath.Join(ram, "*", "run", "*"))
	return append(a, b...)
}

// TestSecondNvrdOnSameDataDirRefused: a second `nvrd start` on the data dir of a running one (same
// --ram-dir, another --listen, as `make run` next to a service) is refused before it touches anything:
// it says in one sentence that nvr is already running there, with the first one's PID and address, and
// exits non-zero; the first one keeps its worker, its sockets and FIFOs, and serves on.
func TestSecondNvrdOnSameDataDirRefused(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	cam := startCamera(t, testcam.Options{})
	p := startNVRD(t)
	if _, errOut, err := p.cli(t, "camera", "add", "--name", "Side", "--url", cam.URL()); err != nil {
		t.Fatal(errOut)
	}
	var s supervisor.Status
	for deadline := time.Now().Add(20 * time.Second); s.State != supervisor.StateStreaming && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		s, _ = p.status(t, "side")
	}
	if s.State != supervisor.StateStreaming {
		t.Fatalf("camera not streaming: %+v", s)
	}
	before := ramFiles(p.ram)
	if len(before) == 0 {
		t.Fatalf("the running nvrd has no sockets or FIFOs under %s", p.ram)
	}

	p2 := &nvrdProc{data: p.data, ram: p.ram, stderr: &lockedBuffer{}}
	addr2 := freeAddr(t)
	p2.cmd = execNVRD(p2, addr2)
	if err := p2.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	err := waitExit(t, p2, 20*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("the second nvrd exited with %v, want a non-zero exit:\n%s", err, p2.stderr)
	}
	msg := strings.TrimSpace(p2.stderr.String())
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "already running") ||
		!strings.Contains(msg, strconv.Itoa(p.cmd.Process.Pid)) || !strings.Contains(msg, strings.TrimPrefix(p.url, "http://")) {
		t.Fatalf("the second nvrd did not say in one sentence that nvr runs there (PID %d, %s):\n%s", p.cmd.Process.Pid, p.url, msg)
	}
	t.Logf("second nvrd said: %s", msg)

	after := ramFiles(p.ram)
	if strings.Join(after, " ") != strings.Join(before, " ") {
		t.Fatalf("the second nvrd changed the first one's RAM files: before %v, after %v", before, after)
	}
	s2, code := p.status(t, "side")
	if code != 200 || s2.State != supervisor.StateStreaming || s2.WorkerPID != s.WorkerPID || s2.Generation != s.Generation {
		t.Fatalf("the first nvrd's camera changed: before %+v, after %+v (HTTP %d)", s, s2, code)
	}
	// It still stops cleanly.
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := waitExit(t, p, 10*time.Second); err != nil {
		t.Fatalf("the first nvrd did not stop cleanly: %v\n%s", err, p.stderr)
	}
}
