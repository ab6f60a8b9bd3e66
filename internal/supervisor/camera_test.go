package supervisor

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// restart is one failed attempt as the camera runner reported it.
type restart struct {
	gen               uint64
	err               string
	streamed, backoff time.Duration
}

// newTestSupervisor is a supervisor without a store, for running a Camera directly.
func newTestSupervisor(t *testing.T, r Runner, logs *lockedBuffer, onRestart func(restart)) *Supervisor {
	t.Helper()
	return &Supervisor{log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), opt: Options{
		RunDir: t.TempDir(), WorkerPath: "/fake/nvr-worker", Runner: r, Timings: testTimings,
		restartHook: func(_ string, gen uint64, err error, streamed, backoff time.Duration) {
			onRestart(restart{gen, err.Error(), streamed, backoff})
		},
	}}
}

// TestCameraBackoff: failures double the wait from BackoffMin up to BackoffMax and no further; an
// attempt that streamed HealthyAfter resets it to BackoffMin; every generation is new.
func TestCameraBackoff(t *testing.T) {
	const failFirst = 5 // attempts 1-5 fail at once, 6 streams healthily then stalls, 7 on fail again
	r := &fakeRunner{behave: func(w *fakeWorker) error {
		if w.gen != failFirst+1 {
			return errors.New("exit status 1")
		}
		if err := w.handshake(); err != nil {
			return err
		}
		w.readUntilStop()
		healthy := make(chan struct{})
		time.AfterFunc(testTimings.HealthyAfter+200*time.Millisecond, func() { close(healthy) })
		if err := w.writeTS(20*time.Millisecond, healthy); err != nil {
			return err
		}
		<-w.stopped
		return nil
	}}
	var mu sync.Mutex
	var got []restart
	enough := make(chan struct{})
	logs := &lockedBuffer{}
	sup := newTestSupervisor(t, r, logs, func(rs restart) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, rs)
		if len(got) == failFirst+2 {
			close(enough)
		}
	})
	cam := newCamera(sup, &store.Camera{ID: "cam1", URL: "demo://"})
	ctx, cancel := context.WithCancel(context.Background())
	cam.done = make(chan struct{})
	go cam.run(ctx)
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		t.Fatal("the camera did not make 7 attempts within 60 s")
	}
	cancel()
	<-cam.done

	mu.Lock()
	defer mu.Unlock()
	min, max := testTimings.BackoffMin, testTimings.BackoffMax
	want := []time.Duration{min, 2 * min, max, max, max, min, 2 * min}
	for i, rs := range got[:len(want)] {
		if rs.gen != uint64(i+1) {
			t.Errorf("restart %d is of generation %d", i+1, rs.gen)
		}
		if rs.backoff != want[i] {
			t.Errorf("after attempt %d (%s, streamed %s) the backoff is %s, want %s", i+1, rs.err, rs.streamed, rs.backoff, want[i])
		}
	}
	if got[failFirst].streamed < testTimings.HealthyAfter || !strings.Contains(got[failFirst].err, "stalled") {
		t.Errorf("the healthy attempt ended with %q after streaming %s", got[failFirst].err, got[failFirst].streamed)
	}
	for _, w := range r.workers() {
		if !w.reaped.Load() {
			t.Errorf("worker of generation %d was not reaped", w.gen)
		}
	}
}

// TestRestartLogOnce: a camera failing the same way again and again is logged at WARN once, then again
// only after restartLogEvery with the count of restarts not logged; a new reason is logged at once.
func TestRestartLogOnce(t *testing.T) {
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil)) // INFO: the repeats at DEBUG do not show
	var r restartLog
	dead := errors.New("connection refused by 127.0.0.1:1 (nothing listens on that port)")
	for i := 0; i < 20; i++ {
		r.log(log, dead, 0, time.Second)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Fatalf("20 identical restarts gave %d WARN lines, want 1:\n%s", n, logs.String())
	}
	r.lastWarn = time.Now().Add(-restartLogEvery - time.Second)
	r.log(log, dead, 0, time.Second)
	if !strings.Contains(logs.String(), "repeats_not_logged=19") {
		t.Fatalf("after %s the log does not say how many were left out:\n%s", restartLogEvery, logs.String())
	}
	r.log(log, errors.New("camera refused the password"), 0, time.Second)
	if n := strings.Count(logs.String(), "level=WARN"); n != 3 {
		t.Fatalf("a new reason was not logged at once:\n%s", logs.String())
	}
}

// TestDefaultTimings: nvrd's timings are the documented ones (docs/design.md, worker life) and a zero
// field takes its default.
func TestDefaultTimings(t *testing.T) {
	want := Timings{Handshake: 10 * time.Second, FirstByte: 20 * time.Second, Stall: 5 * time.Second, StopGrace: 2 * time.Second,
		BackoffMin: time.Second, BackoffMax: 30 * time.Second, HealthyAfter: 60 * time.Second}
	if got := (Timings{}).orDefaults(); got != want {
		t.Errorf("default timings %+v, want %+v", got, want)
	}
	if got := (Timings{Stall: time.Second}).orDefaults(); got.Stall != time.Second || got.Handshake != want.Handshake {
		t.Errorf("a set field was not kept or a zero one not filled: %+v", got)
	}
	d := want.BackoffMin
	for i := 0; i < 10; i++ {
		d = want.nextBackoff(d)
	}
	if d != want.BackoffMax {
		t.Errorf("ten doublings from 1 s give %s, want the 30 s cap", d)
	}
}
