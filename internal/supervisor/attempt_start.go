package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// attemptFiles are an attempt's socket and FIFO in the run directory, named <camera>.<generation>.
type attemptFiles struct {
	sockPath, fifoPath string
	ln                 *net.UnixListener
	fifo               *os.File
	subFIFOPath        string   // <camera>.<generation>.sub.ts, with a substream
	subFIFO            *os.File // nil without a substream
}

// close closes and removes both (idempotent).
func (f *attemptFiles) close() {
	if f.ln != nil {
		f.ln.Close()
	}
	if f.fifo != nil {
		f.fifo.Close()
	}
	if f.subFIFO != nil {
		f.subFIFO.Close()
	}
	os.Remove(f.sockPath)
	os.Remove(f.fifoPath)
	if f.subFIFOPath != "" {
		os.Remove(f.subFIFOPath)
	}
}

// openFiles creates the FIFO the worker writes TS into and the socket it connects to.
func (a *attempt) openFiles() (*attemptFiles, error) {
	base := filepath.Join(a.runDir, fmt.Sprintf("%s.%d", a.cameraID, a.gen))
	f := &attemptFiles{sockPath: base + ".sock", fifoPath: base + ".ts"}
	_ = os.Remove(f.sockPath)
	_ = os.Remove(f.fifoPath)
	if err := syscall.Mkfifo(f.fifoPath, 0o600); err != nil {
		return nil, fmt.Errorf("create FIFO %s: %w", f.fifoPath, err)
	}
	// O_RDWR: the open never blocks, reads block until data, and a dying worker gives no spurious EOF.
	fifo, err := os.OpenFile(f.fifoPath, os.O_RDWR, 0)
	if err != nil {
		f.close()
		return nil, fmt.Errorf("open FIFO %s: %w", f.fifoPath, err)
	}
	f.fifo = fifo
	growPipe(fifo, a.log)
	if a.subURL != "" {
		if err := a.openSubFIFO(f, base); err != nil {
			f.close()
			return nil, err
		}
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: f.sockPath, Net: "unix"})
	if err != nil {
		f.close()
		return nil, fmt.Errorf("listen on %s: %w", f.sockPath, err)
	}
	f.ln = ln
	return f, nil
}

// process is a started worker with its exit watched: done is closed once it has exited and been
// reaped, and err then says how.
type process struct {
	Process
	log  *slog.Logger
	done chan struct{}
	err  error
}

// startProcess starts the worker through the runner and watches for its exit.
func (a *attempt) startProcess(f *attemptFiles) (*process, error) {
	lw := newLogWriter(a.log)
	pr, err := a.runner.Start(Command{
		Path:   a.workerPath,
		Args:   []string{"--socket", f.sockPath, "--camera", a.cameraID, "--generation", fmt.Sprint(a.gen)},
		Env:    []string{"GST_DEBUG_NO_COLOR=1"},
		Stderr: lw,
	})
	if err != nil {
		return nil, err
	}
	p := &process{Process: pr, log: a.log.With("pid", pr.Pid()), done: make(chan struct{})}
	go func() {
		p.err = pr.Wait()
		lw.flush() // Wait has copied all of stderr: a last line without a newline is not lost
		close(p.done)
	}()
	if a.onStarted != nil {
		a.onStarted(pr.Pid())
	}
	return p, nil
}

// handshake accepts the worker's connection, checks its Hello (protocol version, camera and generation)
// and sends its Config, all within Timings.Handshake of the call.
func (a *attempt) handshake(ctx context.Context, f *attemptFiles, p *process) (*ipc.Conn, error) {
	deadline := time.Now().Add(a.t.Handshake)
	type result struct {
		c   net.Conn
		err error
	}
	acc := make(chan result, 1)
	_ = f.ln.SetDeadline(deadline)
	go func() {
		c, err := f.ln.Accept()
		acc <- result{c, err}
	}()
	abandon := func() {
		f.ln.Close()
		if r := <-acc; r.c != nil {
			r.c.Close()
		}
	}
	var nc net.Conn
	select {
	case <-ctx.Done():
		abandon()
		return nil, ctx.Err()
	case <-p.done:
		abandon()
		return nil, &WorkerError{Message: "worker exited before the handshake: " + describeExit(p.err)}
	case r := <-acc:
		if r.err != nil {
			return nil, &WorkerError{Message: fmt.Sprintf("worker did not connect within %s", a.t.Handshake)}
		}
		nc = r.c
	}
	conn := ipc.NewConn(nc)
	_ = nc.SetDeadline(deadline)
	e, err := conn.Receive()
	if err != nil {
		conn.Close()
		var ve *ipc.VersionError
		var ne net.Error
		switch {
		case errors.As(err, &ve):
			return nil, &WorkerError{Message: ve.Error()}
		case errors.As(err, &ne) && ne.Timeout():
			return nil, &WorkerError{Message: fmt.Sprintf("worker did not say hello within %s", a.t.Handshake)}
		}
		return nil, &WorkerError{Message: fmt.Sprintf("worker handshake failed: %v", err)}
	}
	if e.Kind != ipc.KindHello || e.Hello.Generation != a.gen || e.Hello.CameraID != a.cameraID {
		conn.Close()
		return nil, &WorkerError{Message: fmt.Sprintf("worker handshake failed: expected hello from camera %s generation %d, got %s",
			a.cameraID, a.gen, describeHello(e))}
	}
	if err := conn.Send(&ipc.Envelope{Kind: ipc.KindConfig, Config: &ipc.Config{
		CameraID: a.cameraID, URL: a.url, FIFO: f.fifoPath, JPEGQuality: 85,
		SubURL: a.subURL, SubFIFO: f.subFIFOPath,
	}}); err != nil {
		conn.Close()
		return nil, &WorkerError{Message: fmt.Sprintf("worker handshake failed: %v", err)}
	}
	_ = nc.SetDeadline(time.Time{})
	return conn, nil
}

func describeHello(e *ipc.Envelope) string {
	if e.Kind != ipc.KindHello {
		return "a " + e.Kind.String() + " message"
	}
	return fmt.Sprintf("camera %s generation %d", e.Hello.CameraID, e.Hello.Generation)
}
