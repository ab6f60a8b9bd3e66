package supervisor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// testTimings are short enough for unit tests and far apart enough to tell which deadline fired.
// (Generous for a loaded machine: a fake worker late by a second must not fire the wrong deadline.)
var testTimings = Timings{Handshake: time.Second, FirstByte: 2 * time.Second, Stall: time.Second,
	StopGrace: time.Second, BackoffMin: 20 * time.Millisecond, BackoffMax: 80 * time.Millisecond,
	HealthyAfter: 1500 * time.Millisecond}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newTestAttempt(t *testing.T, r Runner, logs *lockedBuffer) *attempt {
	t.Helper()
	if logs == nil {
		logs = &lockedBuffer{}
	}
	return &attempt{cameraID: "cam1", url: "rtsp://u:p@127.0.0.1:1/s", gen: 1, runDir: t.TempDir(), workerPath: "/fake/nvr-worker",
		runner: r, t: testTimings, hub: live.NewHub(),
		log:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		onKeyframe: func(*ipc.Keyframe) {}}
}

// runAttempt runs a.Run(ctx) and fails the test when it does not return within a generous deadline.
func runAttempt(t *testing.T, ctx context.Context, a *attempt) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("attempt.Run did not return within 30 s")
		return nil
	}
}

// checkCleanedUp: every worker the attempt started was reaped, and its socket and FIFO are gone.
func checkCleanedUp(t *testing.T, a *attempt, r *fakeRunner) {
	t.Helper()
	for _, w := range r.workers() {
		if !w.reaped.Load() {
			t.Errorf("worker %d was not reaped", w.pid)
		}
	}
	if left, _ := os.ReadDir(a.runDir); len(left) != 0 {
		t.Errorf("run directory still holds %d files after the attempt (%s)", len(left), left[0].Name())
	}
}

func wantWorkerError(t *testing.T, err error, want string) {
	t.Helper()
	var we *WorkerError
	if !errors.As(err, &we) || !strings.Contains(we.Message, want) {
		t.Fatalf("attempt ended with %v, want a WorkerError saying %q", err, want)
	}
}

// TestAttemptHandshakeTimeout: a worker that never connects, and one that connects but never says
// hello, each end the attempt after Timings.Handshake; the hung process is killed and reaped.
func TestAttemptHandshakeTimeout(t *testing.T) {
	for _, c := range []struct {
		name, want string
		behave     func(w *fakeWorker) error
	}{
		{"never connects", "worker did not connect within 1s", func(w *fakeWorker) error { <-w.kill; return errKilled }},
		{"silent after connecting", "worker did not say hello within 1s", func(w *fakeWorker) error {
			if err := w.dial(); err != nil {
				return err
			}
			<-w.kill
			return errKilled
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &fakeRunner{behave: c.behave}
			a := newTestAttempt(t, r, nil)
			start := time.Now()
			wantWorkerError(t, runAttempt(t, context.Background(), a), c.want)
			if el := time.Since(start); el < a.t.Handshake {
				t.Errorf("attempt gave up after %s, before the %s handshake timeout", el, a.t.Handshake)
			}
			if w := r.workers()[0]; !w.killed.Load() {
				t.Error("the worker that missed its handshake was not killed")
			}
			checkCleanedUp(t, a, r)
		})
	}
}

// TestAttemptVersionMismatch: a worker speaking another protocol version is refused with the sentence
// that says to rebuild both: a newer one, and the previous version (for version 4: a worker from before
// SubRelay, which would relay its substream whether anyone watches or not).
func TestAttemptVersionMismatch(t *testing.T) {
	for _, v := range []uint16{ipc.ProtocolVersion + 1, ipc.ProtocolVersion - 1} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			r := &fakeRunner{behave: func(w *fakeWorker) error {
				if err := w.dial(); err != nil {
					return err
				}
				if err := sendRaw(w.nc, v, &ipc.Envelope{Kind: ipc.KindHello,
					Hello: &ipc.Hello{PID: w.pid, Generation: w.gen, CameraID: w.camera}}); err != nil {
					return err
				}
				<-w.kill
				return errKilled
			}}
			a := newTestAttempt(t, r, nil)
			wantWorkerError(t, runAttempt(t, context.Background(), a),
				fmt.Sprintf("worker speaks ipc protocol version %d but nvrd speaks %d; rebuild both", v, ipc.ProtocolVersion))
			checkCleanedUp(t, a, r)
		})
	}
}

// TestAttemptWrongGeneration: a Hello from another generation (a stale worker on a reused socket name)
// or another camera is refused and gets no Config (so never the camera's URL).
func TestAttemptWrongGeneration(t *testing.T) {
	for _, c := range []struct {
		name, camera string
		gen          uint64
		want         string
	}{
		{"old generation", "cam1", 0, "expected hello from camera cam1 generation 1, got camera cam1 generation 0"},
		{"other camera", "cam2", 1, "expected hello from camera cam1 generation 1, got camera cam2 generation 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var gotConfig bool
			r := &fakeRunner{behave: func(w *fakeWorker) error {
				if err := w.dial(); err != nil {
					return err
				}
				err := w.hello(c.camera, c.gen)
				gotConfig = err == nil
				<-w.kill
				return errKilled
			}}
			a := newTestAttempt(t, r, nil)
			wantWorkerError(t, runAttempt(t, context.Background(), a), c.want)
			if gotConfig {
				t.Error("the worker with the wrong hello was sent its Config")
			}
			checkCleanedUp(t, a, r)
		})
	}
}

// TestAttemptWatchdog: no first byte within Timings.FirstByte, and no byte for Timings.Stall once
// streaming, each stop the worker with the reason; a worker that obeys Stop is not killed.
func TestAttemptWatchdog(t *testing.T) {
	t.Run("first byte", func(t *testing.T) {
		r := &fakeRunner{behave: func(w *fakeWorker) error {
			if err := w.handshake(); err != nil {
				return err
			}
			w.readUntilStop()
			<-w.stopped
			return nil
		}}
		a := newTestAttempt(t, r, nil)
		start := time.Now()
		wantWorkerError(t, runAttempt(t, context.Background(), a), "no video from the camera within 2s of connecting")
		if el := time.Since(start); el < a.t.FirstByte {
			t.Errorf("first-byte timeout after %s, before %s", el, a.t.FirstByte)
		}
		if r.workers()[0].killed.Load() {
			t.Error("a worker that obeyed Stop was killed")
		}
		checkCleanedUp(t, a, r)
	})
	t.Run("stall", func(t *testing.T) {
		var wrote time.Time
		r := &fakeRunner{behave: func(w *fakeWorker) error {
			if err := w.handshake(); err != nil {
				return err
			}
			w.readUntilStop()
			stopWriting := make(chan struct{})
			time.AfterFunc(300*time.Millisecond, func() { wrote = time.Now(); close(stopWriting) })
			if err := w.writeTS(20*time.Millisecond, stopWriting); err != nil {
				return err
			}
			<-w.stopped
			return nil
		}}
		a := newTestAttempt(t, r, nil)
		wantWorkerError(t, runAttempt(t, context.Background(), a), "the camera's video stalled (no data for 1s)")
		if a.streamingSince.Load() == 0 {
			t.Error("the attempt never saw the first byte")
		}
		if el := time.Since(wrote); el < a.t.Stall {
			t.Errorf("stall declared %s after the last byte, before %s", el, a.t.Stall)
		}
		checkCleanedUp(t, a, r)
	})
}

// TestAttemptStopGraceThenKill: a worker that ignores Stop is killed after Timings.StopGrace and reaped
// before Run returns; one that obeys is never killed.
func TestAttemptStopGraceThenKill(t *testing.T) {
	for _, obeys := range []bool{false, true} {
		r := &fakeRunner{behave: func(w *fakeWorker) error {
			if err := w.handshake(); err != nil {
				return err
			}
			w.readUntilStop()
			never := make(chan struct{})
			if obeys {
				go func() { <-w.stopped; close(never) }()
			}
			return w.writeTS(20*time.Millisecond, never)
		}}
		logs := &lockedBuffer{}
		a := newTestAttempt(t, r, logs)
		ctx, cancel := context.WithCancel(context.Background())
		streaming := make(chan struct{})
		a.onStreaming = func() { close(streaming) }
		go func() { <-streaming; cancel() }()
		start := time.Now()
		if err := runAttempt(t, ctx, a); err != nil {
			t.Fatalf("a cancelled attempt returned %v, want nil", err)
		}
		w := r.workers()[0]
		if obeys {
			if w.killed.Load() {
				t.Error("a worker that obeyed Stop was killed")
			}
		} else {
			if !w.killed.Load() {
				t.Fatal("a worker that ignored Stop was not killed")
			}
			if el := time.Since(start); el < a.t.StopGrace {
				t.Errorf("killed after %s, before the %s grace", el, a.t.StopGrace)
			}
			if !strings.Contains(logs.String(), "worker did not stop in time; killing it") {
				t.Errorf("the kill was not logged:\n%s", logs.String())
			}
		}
		checkCleanedUp(t, a, r)
	}
}

// TestAttemptWorkerLastWords: the worker's own Error message is the attempt's reason.
func TestAttemptWorkerLastWords(t *testing.T) {
	r := &fakeRunner{behave: func(w *fakeWorker) error {
		if err := w.handshake(); err != nil {
			return err
		}
		_ = w.conn.Send(&ipc.Envelope{Kind: ipc.KindError, Error: &ipc.Error{Message: "camera refused the password"}})
		return errors.New("exit status 1")
	}}
	a := newTestAttempt(t, r, nil)
	wantWorkerError(t, runAttempt(t, context.Background(), a), "camera refused the password")
	checkCleanedUp(t, a, r)
}
