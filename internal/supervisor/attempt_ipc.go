package supervisor

import (
	"sync/atomic"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// ipcReader reads the worker's socket after the handshake: keyframes go to onKeyframe, and the last
// Error message is kept as the reason the worker gives for ending. done is closed when the socket
// ends (the worker exited or the connection was closed).
type ipcReader struct {
	done    chan struct{}
	lastErr atomic.Pointer[ipc.Error]
}

func (a *attempt) readIPC(conn *ipc.Conn) *ipcReader {
	r := &ipcReader{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			e, err := conn.Receive()
			if err != nil {
				return
			}
			switch e.Kind {
			case ipc.KindKeyframe:
				a.onKeyframe(e.Keyframe)
			case ipc.KindStatus:
				if e.Status != nil && a.onStatus != nil {
					a.onStatus(e.Status)
				}
			case ipc.KindError:
				r.lastErr.Store(e.Error)
			}
		}
	}()
	return r
}

// reason is the worker's own Error message, if it sent one, else fallback.
func (r *ipcReader) reason(fallback string) *WorkerError {
	if e := r.lastErr.Load(); e != nil {
		return &WorkerError{Message: e.Message}
	}
	return &WorkerError{Message: fallback}
}
