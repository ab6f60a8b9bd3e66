package supervisor

import (
	"context"
	"errors"
	"fmt"
	"github.com/nvrproject/nvr/pkg/testskip"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/testcam"
)

// The lifecycle tests run the real nvr-worker (GStreamer) against the real test camera on loopback,
// with shortened Timings, through the supervisor's reconcile.

var (
	workerBin  string
	lifeClip   [][][]byte
	skipReason string
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		skipReason = "GStreamer is not installed; run scripts/setup"
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "nvr-supervisor-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	wd, _ := os.Getwd()
	root := filepath.Clean(filepath.Join(wd, "..", ".."))
	workerBin = filepath.Join(tmp, "nvr-worker")
	cmd := exec.Command("go", "build", "-o", workerBin, "./cmd/nvr-worker")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build nvr-worker: %v\n%s", err, out)
		return 1
	}
	lifeClip, err = testcam.Encode(filepath.Join(root, ".cache", "testclips"),
		testcam.Clip{Width: 320, Height: 180, FPS: 25, KeyInt: 25, BitrateKbps: 300, Frames: 50})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func needWorker(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		testskip.Skip(t, skipReason, "run make setup")
	}
}

// lifeSup is a running supervisor over a real store, with every failed attempt recorded.
type lifeSup struct {
	t    *testing.T
	sup  *Supervisor
	st   *store.Store
	logs *lockedBuffer

	mu       sync.Mutex
	restarts []restart
}

func startLifeSup(t *testing.T, tm Timings) *lifeSup {
	t.Helper()
	needWorker(t)
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := &lifeSup{t: t, st: st, logs: &lockedBuffer{}}
	l.sup, err = New(Options{Store: st, RunDir: t.TempDir(), WorkerPath: workerBin, Timings: tm, PollInterval: 100 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(l.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		restartHook: func(_ string, gen uint64, err error, streamed, backoff time.Duration) {
			l.mu.Lock()
			l.restarts = append(l.restarts, restart{gen, err.Error(), streamed, backoff})
			l.mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = l.sup.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("the supervisor did not stop within 30 s of its context")
		}
		st.Close()
		if t.Failed() {
			t.Logf("supervisor log:\n%s", l.logs.String())
		}
	})
	return l
}

func (l *lifeSup) addCamera(name, url string) *store.Camera {
	l.t.Helper()
	c := &store.Camera{Name: name, URL: url, Enabled: true, CameraSettings: store.DefaultSettings()}
	if err := l.st.CreateCamera(context.Background(), c); err != nil {
		l.t.Fatal(err)
	}
	l.sup.Changed()
	return c
}

func (l *lifeSup) restartsSoFar() []restart {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]restart(nil), l.restarts...)
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitStreaming waits until camera id streams and returns it and its status.
func (l *lifeSup) waitStreaming(id string, what string) (*Camera, Status) {
	l.t.Helper()
	var cam *Camera
	var st Status
	waitFor(l.t, 60*time.Second, what, func() bool {
		cam = l.sup.Camera(id)
		if cam == nil {
			return false
		}
		st = cam.Status()
		return st.State == StateStreaming && st.BytesIn > 0 && st.WorkerPID != 0
	})
	return cam, st
}

// sameFile is os.SameFile that also compares the change time, since a file system may give a new file
// the inode number of one just deleted.
func sameFile(a, b os.FileInfo) bool {
	sa, oka := a.Sys().(*syscall.Stat_t)
	sb, okb := b.Sys().(*syscall.Stat_t)
	return os.SameFile(a, b) && oka && okb && sa.Ctim == sb.Ctim
}

// reaped reports whether pid is gone from the process table (a zombie still answers signal 0).
func reaped(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

func startTestCam(t *testing.T) *testcam.Server {
	t.Helper()
	cam, err := testcam.Start(testcam.Options{AUs: lifeClip})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cam.Close)
	return cam
}

// TestLifecycleBackoffCapAndReset: a dead camera's restarts wait BackoffMin, doubling up to BackoffMax
// and no further; once it comes back and streams HealthyAfter, the next failure waits BackoffMin again.
func TestLifecycleBackoffCapAndReset(t *testing.T) {
	tm := Timings{BackoffMin: 200 * time.Millisecond, BackoffMax: 800 * time.Millisecond, HealthyAfter: 2 * time.Second,
		Stall: 3 * time.Second}
	cam := startTestCam(t)
	cam.Pause() // a camera without power: its port refuses
	l := startLifeSup(t, tm)
	c := l.addCamera("Dead", cam.URL())
	waitFor(t, 90*time.Second, "five failed attempts", func() bool { return len(l.restartsSoFar()) >= 5 })
	// The dead camera's reason is logged once above DEBUG, not once per retry nor twice per retry.
	shown := 0
	for _, line := range strings.Split(l.logs.String(), "\n") {
		if strings.Contains(line, "nothing listens on that port") && !strings.Contains(line, "level=DEBUG") {
			shown++
		}
	}
	if shown != 1 {
		t.Errorf("five identical failures were logged %d times above DEBUG, want once:\n%s", shown, l.logs.String())
	}
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 800 * time.Millisecond, 800 * time.Millisecond}
	got := l.restartsSoFar()
	for i, w := range want {
		if got[i].backoff != w {
			t.Errorf("after failure %d (%s) the backoff is %s, want %s", i+1, got[i].err, got[i].backoff, w)
		}
	}

	if err := cam.Resume(); err != nil {
		t.Fatal(err)
	}
	_, st := l.waitStreaming(c.ID, "camera streaming after it came back")
	streamingAt := time.Now()
	waitFor(t, 60*time.Second, "a healthy run", func() bool {
		s := l.sup.Camera(c.ID).Status()
		return s.Generation == st.Generation && s.State == StateStreaming && time.Since(streamingAt) > tm.HealthyAfter
	})
	before := len(l.restartsSoFar())
	cam.Pause()
	waitFor(t, 60*time.Second, "the failure after the healthy run", func() bool { return len(l.restartsSoFar()) > before })
	r := l.restartsSoFar()[before]
	if r.gen != st.Generation || r.streamed < tm.HealthyAfter {
		t.Fatalf("first failure after coming back is generation %d having streamed %s; want generation %d after ≥ %s",
			r.gen, r.streamed, st.Generation, tm.HealthyAfter)
	}
	if r.backoff != tm.BackoffMin {
		t.Errorf("after a healthy run of %s the backoff is %s, want it reset to %s", r.streamed, r.backoff, tm.BackoffMin)
	}
}

// TestLifecycleFirstByteTimeout: a camera that accepts the connection and then says nothing (hung
// firmware) ends the attempt after FirstByte with a plain reason, and is retried.
func TestLifecycleFirstByteTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	tm := Timings{FirstByte: 2 * time.Second, BackoffMin: 100 * time.Millisecond}
	l := startLifeSup(t, tm)
	l.addCamera("Silent", "rtsp://"+ln.Addr().String()+"/stream")
	waitFor(t, 60*time.Second, "two failed attempts", func() bool { return len(l.restartsSoFar()) >= 2 })
	for _, r := range l.restartsSoFar()[:2] {
		if r.err != "no video from the camera within 2s of connecting" {
			t.Errorf("generation %d ended with %q, want the first-byte timeout", r.gen, r.err)
		}
	}
}

// TestLifecycleHungWorker: a worker that hangs (SIGSTOP) stops feeding the FIFO; the stall ends the
// attempt, the worker ignores Stop, is killed after StopGrace and reaped, and a new generation streams.
func TestLifecycleHungWorker(t *testing.T) {
	tm := Timings{Stall: 2 * time.Second, StopGrace: time.Second, BackoffMin: 100 * time.Millisecond}
	cam := startTestCam(t)
	l := startLifeSup(t, tm)
	c := l.addCamera("Hangs", cam.URL())
	_, st := l.waitStreaming(c.ID, "first worker streaming")
	if err := syscall.Kill(st.WorkerPID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(st.WorkerPID, syscall.SIGKILL) }) // unstick a failing run
	waitFor(t, 60*time.Second, "the hung worker reaped", func() bool { return reaped(st.WorkerPID) })
	_, st2 := l.waitStreaming(c.ID, "a new worker streaming")
	if st2.Generation <= st.Generation || st2.WorkerPID == st.WorkerPID {
		t.Errorf("after the hang generation %d pid %d streams; want a new one after generation %d pid %d",
			st2.Generation, st2.WorkerPID, st.Generation, st.WorkerPID)
	}
	r := l.restartsSoFar()
	if len(r) == 0 || r[0].gen != st.Generation || !strings.Contains(r[0].err, "stalled") {
		t.Errorf("restarts %+v; want generation %d ended by the stall", r, st.Generation)
	}
	if !strings.Contains(l.logs.String(), "worker did not stop in time; killing it") {
		t.Error("the log does not say the hung worker was killed")
	}
}

// TestLifecycleCameraChanges: deleting, disabling and re-pointing a running camera each stop its worker
// (reaped), close its live viewers, end its goroutine and remove its socket and FIFO; a re-pointed camera
// streams again from the new URL.
func TestLifecycleCameraChanges(t *testing.T) {
	for _, change := range []string{"delete", "disable", "new URL"} {
		t.Run(change, func(t *testing.T) {
			tm := Timings{StopGrace: 5 * time.Second}
			cam := startTestCam(t)
			l := startLifeSup(t, tm)
			c := l.addCamera("Front", cam.URL())
			running, st := l.waitStreaming(c.ID, "camera streaming")
			viewer := running.Hub().Join()
			// The worker's files, by identity: a re-pointed camera's new worker reuses the names.
			base := filepath.Join(l.sup.opt.RunDir, fmt.Sprintf("%s.%d", c.ID, st.Generation))
			files := map[string]os.FileInfo{}
			for _, f := range []string{base + ".sock", base + ".ts"} {
				fi, err := os.Stat(f)
				if err != nil {
					t.Fatalf("running worker's file: %v", err)
				}
				files[f] = fi
			}
			var other *testcam.Server
			ctx := context.Background()
			switch change {
			case "delete":
				if err := l.st.DeleteCamera(ctx, c.ID); err != nil {
					t.Fatal(err)
				}
			case "disable":
				c.Enabled = false
				if err := l.st.UpdateCamera(ctx, c); err != nil {
					t.Fatal(err)
				}
			case "new URL":
				other = startTestCam(t)
				c.URL = other.URL()
				if err := l.st.UpdateCamera(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			l.sup.Changed()

			select {
			case <-running.done:
			case <-time.After(30 * time.Second):
				t.Fatal("the camera's goroutine did not end within 30 s")
			}
			closed := make(chan struct{})
			go func() {
				for range viewer.C {
				}
				close(closed)
			}()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("the live viewer was not closed")
			}
			waitFor(t, 10*time.Second, "the worker reaped", func() bool { return reaped(st.WorkerPID) })
			left, _ := filepath.Glob(filepath.Join(l.sup.opt.RunDir, "*"))
			if change != "new URL" && len(left) != 0 {
				t.Errorf("run directory still holds %v", left)
			}
			for f, old := range files {
				if fi, err := os.Stat(f); err == nil && sameFile(fi, old) {
					t.Errorf("%s of the stopped worker left behind", f)
				}
			}
			if r := l.restartsSoFar(); len(r) != 0 {
				t.Errorf("a stop on request was counted as a failure: %+v", r)
			}
			switch change {
			case "delete", "disable":
				if l.sup.Camera(c.ID) != nil {
					t.Error("the camera is still running")
				}
				if got := l.sup.Disabled(c.ID); got != (change == "disable") {
					t.Errorf("Disabled = %v", got)
				}
			case "new URL":
				again, st2 := l.waitStreaming(c.ID, "camera streaming from its new URL")
				if again == running || st2.WorkerPID == st.WorkerPID {
					t.Error("the camera was not restarted for its new URL")
				}
			}
		})
	}
}
