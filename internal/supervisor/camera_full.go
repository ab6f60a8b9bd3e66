package supervisor

import (
	"context"
	"sync"
	"time"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// fullPictures is what a camera asks its worker for at full size (ipc.Want) and the newest keyframe
// that came at full size. The worker sends every keyframe at the analysis size; the event engine asks
// for full size while a camera's events need it (WantFull), a snapshot for the next keyframe
// (FullSnapshot). The wanted mode outlives a worker: each new worker is told it after its handshake.
type fullPictures struct {
	mu      sync.Mutex
	conn    *ipc.Conn     // the current worker's socket, nil between workers
	want    bool          // every keyframe at full size
	newest  *ipc.Keyframe // the newest keyframe at full size
	arrived chan struct{} // closed (and replaced) when a keyframe at full size arrives
}

// attach is told the worker's socket after the handshake, and nil when the worker ends.
func (f *fullPictures) attach(conn *ipc.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conn = conn
	if conn != nil && f.want {
		f.sendLocked(false)
	}
}

// sendLocked tells the worker the wanted mode, and to send the next keyframe at full size with next.
// Sent under mu, so the worker hears the changes in order.
func (f *fullPictures) sendLocked(next bool) {
	if f.conn == nil {
		return
	}
	// A failed send means the worker is going; its attempt sees that on its own.
	_ = f.conn.Send(&ipc.Envelope{Kind: ipc.KindWant, Want: &ipc.Want{Full: f.want, Next: next}})
}

// got is told every keyframe the worker sends.
func (f *fullPictures) got(k *ipc.Keyframe) {
	if !k.IsFullSize() {
		return
	}
	f.mu.Lock()
	f.newest = k
	if f.arrived != nil {
		close(f.arrived)
		f.arrived = nil
	}
	f.mu.Unlock()
}

// WantFull asks the worker to send every keyframe at full size too (on) or to stop (off). The event
// engine calls it while a camera's events need full-size pictures (QR reading, an open event).
func (c *Camera) WantFull(on bool) {
	f := &c.full
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.want == on {
		return
	}
	f.want = on
	f.sendLocked(false)
}

// NextFull asks the worker to send the next keyframe at full size too.
func (c *Camera) NextFull() {
	c.full.mu.Lock()
	defer c.full.mu.Unlock()
	c.full.sendLocked(true)
}

// WantFull asks the camera's worker for every keyframe at full size (on) or not; a camera that
// does not run is skipped (the event engine says it again when the camera is configured). It
// makes the supervisor an events.Pictures.
func (s *Supervisor) WantFull(cameraID string, on bool) {
	if c := s.Camera(cameraID); c != nil {
		c.WantFull(on)
	}
}

// NextFull asks the camera's worker for its next keyframe at full size.
func (s *Supervisor) NextFull(cameraID string) {
	if c := s.Camera(cameraID); c != nil {
		c.NextFull()
	}
}

// FullSnapshot returns the newest keyframe at full size: the newest keyframe when it is one, else the
// next, which it asks the worker for and waits for until wait has passed or ctx ends; then the newest
// keyframe as it is (the analysis size) when no full-size one came. nil before the first keyframe.
func (c *Camera) FullSnapshot(ctx context.Context, wait time.Duration) *ipc.Keyframe {
	k := c.snapshot.Load()
	if k == nil || k.IsFullSize() {
		return k
	}
	f := &c.full
	f.mu.Lock()
	if f.arrived == nil {
		f.arrived = make(chan struct{})
	}
	arrived := f.arrived
	f.sendLocked(true)
	f.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-arrived:
		f.mu.Lock()
		k = f.newest
		f.mu.Unlock()
	case <-t.C:
	case <-ctx.Done():
	}
	return k
}
