package supervisor

import (
	"encoding/binary"
	"errors"
	"flag"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// fakeRunner starts "workers" that are goroutines of the test process playing a worker's side of the
// socket and the FIFO, as behave says. It stands in for os/exec in the unit tests of the handshake,
// watchdog, stop and backoff logic; the real nvr-worker is exercised in lifecycle_test.go.
type fakeRunner struct {
	behave func(w *fakeWorker) error

	mu      sync.Mutex
	started []*fakeWorker
}

// fakeWorker is one started fake process.
type fakeWorker struct {
	t              testing.TB
	socket, camera string
	gen            uint64
	pid            int
	kill           chan struct{}
	killOnce       sync.Once
	killed, reaped atomic.Bool
	exited         chan struct{}
	err            error
	nc             net.Conn
	conn           *ipc.Conn
	cfg            *ipc.Config
	stopped        chan struct{} // closed when a Stop message arrives (after readUntilStop starts)
}

var fakePIDs atomic.Int64

func (r *fakeRunner) Start(c Command) (Process, error) {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	w := &fakeWorker{kill: make(chan struct{}), exited: make(chan struct{}), stopped: make(chan struct{}),
		pid: int(100000 + fakePIDs.Add(1))}
	fs.StringVar(&w.socket, "socket", "", "")
	fs.StringVar(&w.camera, "camera", "", "")
	fs.Uint64Var(&w.gen, "generation", 0, "")
	if err := fs.Parse(c.Args); err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.started = append(r.started, w)
	r.mu.Unlock()
	go func() {
		defer close(w.exited)
		w.err = r.behave(w)
		if w.conn != nil {
			w.conn.Close()
		}
	}()
	return w, nil
}

func (r *fakeRunner) workers() []*fakeWorker {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*fakeWorker(nil), r.started...)
}

func (w *fakeWorker) Pid() int { return w.pid }
func (w *fakeWorker) Wait() error {
	<-w.exited
	w.reaped.Store(true)
	return w.err
}
func (w *fakeWorker) Kill() error {
	w.killOnce.Do(func() { w.killed.Store(true); close(w.kill) })
	return nil
}

var errKilled = errors.New("fake worker was killed")

// dial connects to nvrd's socket.
func (w *fakeWorker) dial() error {
	nc, err := net.Dial("unix", w.socket)
	if err != nil {
		return err
	}
	w.nc, w.conn = nc, ipc.NewConn(nc)
	return nil
}

// hello sends a Hello for camera and gen and reads the Config.
func (w *fakeWorker) hello(camera string, gen uint64) error {
	if err := w.conn.Send(&ipc.Envelope{Kind: ipc.KindHello, Hello: &ipc.Hello{PID: w.pid, Generation: gen, CameraID: camera}}); err != nil {
		return err
	}
	e, err := w.conn.Receive()
	if err != nil {
		return err
	}
	if e.Kind != ipc.KindConfig {
		return errors.New("no config")
	}
	w.cfg = e.Config
	return nil
}

// handshake dials and says the right hello.
func (w *fakeWorker) handshake() error {
	if err := w.dial(); err != nil {
		return err
	}
	return w.hello(w.camera, w.gen)
}

// readUntilStop reads the socket in the background and closes w.stopped on Stop or EOF.
func (w *fakeWorker) readUntilStop() {
	go func() {
		defer close(w.stopped)
		for {
			e, err := w.conn.Receive()
			if err != nil || e.Kind == ipc.KindStop {
				return
			}
		}
	}()
}

// writeTS writes TS-sized chunks into the FIFO every interval until done is closed or the worker killed.
func (w *fakeWorker) writeTS(interval time.Duration, done <-chan struct{}) error {
	f, err := os.OpenFile(w.cfg.FIFO, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	pkt := make([]byte, 188)
	pkt[0] = 0x47
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return nil
		case <-w.kill:
			return errKilled
		case <-t.C:
			if _, err := f.Write(pkt); err != nil {
				return err
			}
		}
	}
}

// sendRaw writes one frame with any protocol version (an old or new worker binary).
func sendRaw(nc net.Conn, version uint16, e *ipc.Envelope) error {
	e.Version = version
	body, err := msgpack.Marshal(e)
	if err != nil {
		return err
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(body)))
	_, err = nc.Write(append(hdr[:], body...))
	return err
}
