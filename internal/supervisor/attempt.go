package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// attempt is one worker process for one camera: start, handshake, stream, stop. Run makes exactly one
// attempt; retrying is the camera runner's business. Its facets live in attempt_start.go (files,
// process, handshake), attempt_ipc.go (keyframes and the worker's last words), attempt_fifo.go (the TS
// bytes) and attempt_watchdog.go (deadlines and the stop sequence).
type attempt struct {
	cameraID    string
	url         string
	gen         uint64
	runDir      string
	workerPath  string
	runner      Runner
	t           Timings
	hub         *live.Hub
	subURL      string    // the camera's substream, "" for none
	subHub      *live.Hub // its live stream (grid tiles), with subURL
	subWatch    *subWatch // its viewers (camera_sub.go); nil: the worker is never told to relay it
	log         *slog.Logger
	onKeyframe  func(*ipc.Keyframe)
	onStatus    func(*ipc.Status) // the worker's stream facts (codecs), from the IPC reader
	onStreaming func()            // called once when the first TS bytes arrive
	onStarted   func(pid int)
	onConn      func(*ipc.Conn) // the worker's socket after the handshake, then nil when it ends

	streamingSince atomic.Int64 // unix ns of the first byte, 0 before
}

// Run starts the worker and returns when it ends. The returned error says why, in plain words; it is
// nil only when ctx was cancelled. Every path out of Run has stopped and reaped the process and
// removed its socket and FIFO.
func (a *attempt) Run(ctx context.Context) error {
	f, err := a.openFiles()
	if err != nil {
		return err
	}
	defer f.close()

	p, err := a.startProcess(f)
	if err != nil {
		return err
	}
	conn, err := a.handshake(ctx, f, p)
	if err != nil {
		a.stop(nil, p)
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer conn.Close()
	p.log.Debug("worker started")

	if a.onConn != nil {
		a.onConn(conn)
		defer a.onConn(nil)
	}
	ipcR := a.readIPC(conn)
	fifoR := a.readFIFO(f.fifo)
	defer fifoR.wait() // deferred calls run last first: the FIFO is closed, then its reader has ended
	defer f.fifo.Close()
	if f.subFIFO != nil {
		subR := a.readSubFIFO(f.subFIFO)
		defer subR.wait()
		defer f.subFIFO.Close()
		if a.subWatch != nil {
			relayCtx, stopRelay := context.WithCancel(ctx)
			relayDone := make(chan struct{})
			go func() { defer close(relayDone); a.relaySub(relayCtx, conn) }()
			defer func() { stopRelay(); <-relayDone }()
		}
	}

	return a.watch(ctx, p, conn, ipcR, fifoR)
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

// since is the time elapsed since a unix-ns stamp.
func since(ns int64) time.Duration { return time.Since(time.Unix(0, ns)) }
