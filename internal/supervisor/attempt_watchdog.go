package supervisor

import (
	"context"
	"fmt"
	"time"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// watch waits for the attempt to end: ctx cancelled (stop the worker, return nil), the worker exited
// (return its reason), no first TS byte within Timings.FirstByte of the handshake, or no TS byte for
// Timings.Stall once streaming (stop the worker, return why).
func (a *attempt) watch(ctx context.Context, p *process, conn *ipc.Conn, ipcR *ipcReader, fifoR *fifoReader) error {
	started := time.Now()
	tick := time.NewTicker(watchdogTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			a.stop(conn, p)
			<-ipcR.done
			return nil
		case <-p.done:
			// The worker's end of the socket closed with it: let the reader take its last words first.
			select {
			case <-ipcR.done:
			case <-time.After(time.Second):
			}
			conn.Close()
			<-ipcR.done
			if e := ipcR.lastErr.Load(); e != nil && e.Detail != "" {
				p.log.Debug("worker error detail", "detail", e.Detail)
			}
			return ipcR.reason(describeExit(p.err))
		case <-tick.C:
			lb := fifoR.lastByte.Load()
			switch {
			case lb == 0 && time.Since(started) > a.t.FirstByte:
				a.stop(conn, p)
				<-ipcR.done
				return ipcR.reason(fmt.Sprintf("no video from the camera within %s of connecting", a.t.FirstByte))
			case lb != 0 && since(lb) > a.t.Stall:
				a.stop(conn, p)
				<-ipcR.done
				return &WorkerError{Message: fmt.Sprintf("the camera's video stalled (no data for %s)", a.t.Stall)}
			}
		}
	}
}

// stop ends the worker the go-plugin way: ask (a Stop message, when the socket is up), wait
// Timings.StopGrace, kill, and reap. It returns once the process is reaped; the socket is closed so
// the IPC reader ends too.
func (a *attempt) stop(conn *ipc.Conn, p *process) {
	if conn != nil {
		_ = conn.Send(&ipc.Envelope{Kind: ipc.KindStop})
	}
	select {
	case <-p.done:
	case <-time.After(a.t.StopGrace):
		p.log.Warn("worker did not stop in time; killing it", "grace", a.t.StopGrace)
		_ = p.Kill()
		<-p.done
	}
	if conn != nil {
		conn.Close()
	}
}
