package supervisor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// setLog is a CameraListener that writes down what it is told, and whether the camera's stream existed
// when it was told Configure.
type setLog struct {
	sup   *Supervisor
	mu    sync.Mutex
	calls []string
}

func (l *setLog) Configure(cam store.Camera) {
	running := l.sup.Camera(cam.ID) != nil
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf("configure %s pre_roll=%d running=%v", cam.ID, cam.Record.PreRollS, running))
}

func (l *setLog) Remove(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, "remove "+id)
}

func (l *setLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// TestCameraSetContract: the supervisor's reconcile, the one reader of the cameras table, tells its
// listeners Configure when an enabled camera is added or changed (after its stream exists) and Remove
// when one is deleted or disabled, exactly once each; writes that change nothing, and disabled cameras,
// tell nothing. With a real store; the worker is /bin/false (the workers are not what is tested).
func TestCameraSetContract(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sup, err := New(Options{Store: st, RunDir: filepath.Join(dir, "run"), WorkerPath: "/bin/false",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l := &setLog{sup: sup}
	sup.AddListener(l)

	add := func(name string, enabled bool) *store.Camera {
		c := &store.Camera{Name: name, URL: "rtsp://127.0.0.1:1/" + name, Enabled: enabled, CameraSettings: store.DefaultSettings()}
		if err := st.CreateCamera(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	update := func(c *store.Camera) {
		if err := st.UpdateCamera(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	expect := func(step string, calls ...string) {
		t.Helper()
		want = append(want, calls...)
		deadline := time.Now().Add(20 * time.Second)
		for len(l.snapshot()) < len(want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := l.snapshot(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("after %s the listener was told:\n%s\nwant:\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	a := add("a", true)
	b := add("b", false)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sup.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	th := a.Record.PreRollS
	expect("start", fmt.Sprintf("configure a pre_roll=%d running=true", th))

	a.Record.PreRollS = th + 3
	update(a)
	expect("a setting changed", fmt.Sprintf("configure a pre_roll=%d running=true", th+3))

	update(a) // a write that changes nothing
	b.Enabled = true
	update(b)
	expect("b enabled", fmt.Sprintf("configure b pre_roll=%d running=true", b.Record.PreRollS))

	a.Enabled = false
	update(a)
	expect("a disabled", "remove a")

	if err := st.DeleteCamera(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	expect("b deleted", "remove b")

	add("c", false) // a disabled camera: nothing to tell
	d := add("d", true)
	// Anything told twice, or told for a disabled camera, would show up before d's Configure.
	expect("d added", fmt.Sprintf("configure d pre_roll=%d running=true", d.Record.PreRollS))
}
