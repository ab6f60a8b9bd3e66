package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// Timing of one worker's life.
var (
	startTimeout    = 10 * time.Second // worker process start → handshake done
	firstByteTimout = 20 * time.Second // handshake → first TS byte
	stallTimeout    = 5 * time.Second  // no TS bytes for this long once streaming
	stopGrace       = 2 * time.Second  // Stop message → kill
	watchdogTick    = 250 * time.Millisecond
)

// FIFO reading: a pipe buffer big enough for a 4K keyframe burst, and the coalescing delay after a short read.
const (
	fifoPipeSize  = 1 << 20
	fifoReadSize  = 256 << 10
	coalesceDelay = 2 * time.Millisecond
)

// growPipe enlarges the FIFO's kernel buffer so a keyframe burst never blocks the worker (best effort:
// an unprivileged user is limited by /proc/sys/fs/pipe-max-size).
func growPipe(f *os.File, log *slog.Logger) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		if _, err := unix.FcntlInt(fd, unix.F_SETPIPE_SZ, fifoPipeSize); err != nil {
			log.Debug("cannot enlarge FIFO buffer", "err", err)
		}
	})
}

// attempt is one worker process for one camera: start, handshake, stream, stop. Run makes exactly one
// attempt; retrying is the camera runner's business.
type attempt struct {
	cameraID    string
	url         string
	gen         uint64
	runDir      string
	workerPath  string
	hub         *live.Hub
	log         *slog.Logger
	onKeyframe  func(*ipc.Keyframe)
	onStreaming func() // called once when the first TS bytes arrive
	onStarted   func(pid int)

	streamingSince atomic.Int64 // unix ns of the first byte, 0 before
}

// Run starts the worker and returns when it ends. The returned error says why, in plain words; it is
// nil only when ctx was cancelled.
func (a *attempt) Run(ctx context.Context) error {
	base := filepath.Join(a.runDir, fmt.Sprintf("%s.%d", a.cameraID, a.gen))
	sockPath, fifoPath := base+".sock", base+".ts"
	_ = os.Remove(sockPath)
	_ = os.Remove(fifoPath)
	defer os.Remove(sockPath)
	defer os.Remove(fifoPath)

	if err := syscall.Mkfifo(fifoPath, 0o600); err != nil {
		return fmt.Errorf("create FIFO %s: %w", fifoPath, err)
	}
	// O_RDWR: the open never blocks, reads block until data, and a dying worker gives no spurious EOF.
	fifo, err := os.OpenFile(fifoPath, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open FIFO %s: %w", fifoPath, err)
	}
	defer fifo.Close()
	growPipe(fifo, a.log)

	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sockPath, Net: "unix"})
	if err != nil {
		return fmt.Errorf("listen on %s: %w", sockPath, err)
	}
	defer ln.Close()

	cmd := exec.Command(a.workerPath, "--socket", sockPath, "--camera", a.cameraID, "--generation", fmt.Sprint(a.gen))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout = io.Discard
	cmd.Stderr = &logWriter{log: a.log}
	cmd.Env = append(os.Environ(), "GST_DEBUG_NO_COLOR=1")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start worker %s: %w", a.workerPath, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	log := a.log.With("pid", cmd.Process.Pid)
	if a.onStarted != nil {
		a.onStarted(cmd.Process.Pid)
	}

	conn, err := a.handshake(ctx, ln, exited)
	if err != nil {
		a.stop(nil, cmd, exited)
		return err
	}
	defer conn.Close()
	log.Debug("worker started")

	// IPC reader: keyframes and the worker's last words.
	var lastErr atomic.Pointer[ipc.Error]
	ipcDone := make(chan struct{})
	go func() {
		defer close(ipcDone)
		for {
			e, err := conn.Receive()
			if err != nil {
				return
			}
			switch e.Kind {
			case ipc.KindKeyframe:
				a.onKeyframe(e.Keyframe)
			case ipc.KindError:
				lastErr.Store(e.Error)
			}
		}
	}()

	// FIFO reader → hub. It ends when the FIFO is closed below.
	a.hub.Reset()
	var lastByte atomic.Int64
	fifoDone := make(chan struct{})
	go func() {
		defer close(fifoDone)
		buf := make([]byte, fifoReadSize)
		for {
			n, err := fifo.Read(buf)
			if n > 0 {
				now := time.Now()
				lastByte.Store(now.UnixNano())
				if a.streamingSince.CompareAndSwap(0, now.UnixNano()) && a.onStreaming != nil {
					a.onStreaming()
				}
				a.hub.Write(buf[:n], now) // parsed once there; every reader (viewers, recorder) is fed by the hub
			}
			if err != nil {
				return
			}
			// The worker writes a frame's packets in a writev or two (strace: 2 per frame at 1080p25).
			// After a short read, let the rest of the burst arrive so it is handled (and sent to
			// viewers) as one piece; this costs at most coalesceDelay of latency.
			if n < len(buf)/2 {
				time.Sleep(coalesceDelay)
			}
		}
	}()
	defer func() { fifo.Close(); <-fifoDone }()

	started := time.Now()
	tick := time.NewTicker(watchdogTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			a.stop(conn, cmd, exited)
			<-ipcDone
			return nil
		case werr := <-exited:
			conn.Close()
			<-ipcDone
			if e := lastErr.Load(); e != nil {
				if e.Detail != "" {
					log.Debug("worker error detail", "detail", e.Detail)
				}
				return &WorkerError{Message: e.Message}
			}
			return &WorkerError{Message: describeExit(werr)}
		case <-tick.C:
			lb := lastByte.Load()
			switch {
			case lb == 0 && time.Since(started) > firstByteTimout:
				a.stop(conn, cmd, exited)
				<-ipcDone
				if e := lastErr.Load(); e != nil {
					return &WorkerError{Message: e.Message}
				}
				return &WorkerError{Message: fmt.Sprintf("no video from the camera within %s of connecting", firstByteTimout)}
			case lb != 0 && time.Since(time.Unix(0, lb)) > stallTimeout:
				a.stop(conn, cmd, exited)
				<-ipcDone
				return &WorkerError{Message: fmt.Sprintf("the camera's video stalled (no data for %s)", stallTimeout)}
			}
		}
	}
}

// handshake accepts the worker's connection and checks its Hello before startTimeout.
func (a *attempt) handshake(ctx context.Context, ln *net.UnixListener, exited chan error) (*ipc.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	acc := make(chan result, 1)
	_ = ln.SetDeadline(time.Now().Add(startTimeout))
	go func() {
		c, err := ln.Accept()
		acc <- result{c, err}
	}()
	var nc net.Conn
	select {
	case <-ctx.Done():
		ln.Close()
		if r := <-acc; r.c != nil {
			r.c.Close()
		}
		return nil, ctx.Err()
	case werr := <-exited:
		exited <- werr // let stop() see it
		ln.Close()
		if r := <-acc; r.c != nil {
			r.c.Close()
		}
		return nil, &WorkerError{Message: "worker exited before the handshake: " + describeExit(werr)}
	case r := <-acc:
		if r.err != nil {
			return nil, &WorkerError{Message: fmt.Sprintf("worker did not connect within %s", startTimeout)}
		}
		nc = r.c
	}
	conn := ipc.NewConn(nc)
	_ = nc.SetDeadline(time.Now().Add(startTimeout))
	e, err := conn.Receive()
	if err != nil {
		conn.Close()
		var ve *ipc.VersionError
		if errors.As(err, &ve) {
			return nil, &WorkerError{Message: ve.Error()}
		}
		return nil, &WorkerError{Message: fmt.Sprintf("worker handshake failed: %v", err)}
	}
	if e.Kind != ipc.KindHello || e.Hello.Generation != a.gen || e.Hello.CameraID != a.cameraID {
		conn.Close()
		return nil, &WorkerError{Message: "worker handshake failed: unexpected hello"}
	}
	if err := conn.Send(&ipc.Envelope{Kind: ipc.KindConfig, Config: &ipc.Config{
		CameraID: a.cameraID, URL: a.url, FIFO: filepath.Join(a.runDir, fmt.Sprintf("%s.%d.ts", a.cameraID, a.gen)), JPEGQuality: 85,
	}}); err != nil {
		conn.Close()
		return nil, &WorkerError{Message: fmt.Sprintf("worker handshake failed: %v", err)}
	}
	_ = nc.SetDeadline(time.Time{})
	return conn, nil
}

// stop asks the worker to stop, waits stopGrace, kills it, and reaps it.
func (a *attempt) stop(conn *ipc.Conn, cmd *exec.Cmd, exited chan error) {
	if conn != nil {
		_ = conn.Send(&ipc.Envelope{Kind: ipc.KindStop})
	}
	select {
	case <-exited:
		return
	case <-time.After(stopGrace):
	}
	_ = cmd.Process.Kill()
	<-exited
}

// WorkerError is why a worker ended, in words for the camera status.
type WorkerError struct{ Message string }

// Error returns the message.
func (e *WorkerError) Error() string { return e.Message }

func describeExit(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Sprintf("worker was killed by signal %s", ws.Signal())
		}
		return fmt.Sprintf("worker exited with code %d", ee.ExitCode())
	}
	if err == nil {
		return "worker exited"
	}
	return "worker failed: " + err.Error()
}

// logWriter forwards the worker's stderr lines into nvrd's log, with any URL password removed and at
// most logBurst lines per minute (a camera in a fault loop must not flood the log).
type logWriter struct {
	log    *slog.Logger
	window time.Time
	lines  int
}

const logBurst = 30

var credRe = regexp.MustCompile(`(://[^/@\s:]+):[^/@\s]*@`)

func (w *logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line == "" {
			continue
		}
		if now := time.Now(); now.Sub(w.window) > time.Minute {
			if w.lines > logBurst {
				w.log.Warn("worker log lines suppressed", "count", w.lines-logBurst)
			}
			w.window, w.lines = now, 0
		}
		w.lines++
		if w.lines <= logBurst {
			w.log.Info("worker: " + credRe.ReplaceAllString(line, "$1:xxxxx@"))
		}
	}
	return len(p), nil
}
