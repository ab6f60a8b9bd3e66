package live

import (
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// ReaderOptions size a reader's queue.
type ReaderOptions struct {
	Name       string // for logs and tests
	Queue      int    // batches waiting (default 256)
	QueueBytes int64  // bytes waiting, counted until Done; 0 = no byte bound (Done not needed)
	Latency    bool   // a live viewer: Done feeds the hub's latency histogram, and Viewers counts it
}

// Queue bounds of one live viewer.
const (
	viewerQueueLen   = 256     // messages
	viewerQueueBytes = 4 << 20 // bytes waiting to be written (~8 s at 4 Mbit/s)
)

var viewerOptions = ReaderOptions{Name: "viewer", Queue: viewerQueueLen, QueueBytes: viewerQueueBytes, Latency: true}

// Reader is one consumer of a hub's stream. Read its batches from C; C is closed when the reader is
// removed or the hub closed.
type Reader struct {
	C   chan Item
	hub *Hub
	opt ReaderOptions

	// Guarded by hub.mu.
	needKey, restart, lost bool

	queued atomic.Int64 // bytes in C (with QueueBytes)

	// Dropped counts packets this reader lost because it was too slow (or joined before a keyframe).
	Dropped atomic.Uint64
}

// Viewer is a live viewer: a Reader with the viewer's queue bounds.
type Viewer = Reader

// AddReader attaches a reader. Its first batch is PAT, PMT and the cached packets since the last
// keyframe; without a keyframe yet it waits for one.
func (h *Hub) AddReader(opt ReaderOptions) *Reader {
	if opt.Queue <= 0 {
		opt.Queue = viewerOptions.Queue
	}
	r := &Reader{C: make(chan Item, opt.Queue), hub: h, opt: opt, needKey: true}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.gop) > 0 && h.pat != nil && h.pmt != nil {
		if r.push(mpegts.Join(h.pat, h.pmt, h.gop)) {
			r.needKey = false
		}
	}
	h.readers[r] = struct{}{}
	return r
}

// RemoveReader detaches a reader and closes its channel.
func (h *Hub) RemoveReader(r *Reader) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.readers[r]; ok {
		delete(h.readers, r)
		h.leftDrops.Add(r.Dropped.Load())
		close(r.C)
	}
}

// Join adds a live viewer (AddReader with the viewer's bounds).
func (h *Hub) Join() *Viewer { return h.AddReader(viewerOptions) }

// Leave removes a viewer and closes its channel.
func (h *Hub) Leave(v *Viewer) { h.RemoveReader(v) }

// Subscribe attaches a reader with a queue of queue batches and no byte bound (pkg/mpegts.Source).
func (h *Hub) Subscribe(name string, queue int) mpegts.Subscription {
	return h.AddReader(ReaderOptions{Name: name, Queue: queue})
}

// Batches is C (pkg/mpegts.Subscription).
func (r *Reader) Batches() <-chan mpegts.Batch { return r.C }

// Drops is Dropped (pkg/mpegts.Subscription).
func (r *Reader) Drops() uint64 { return r.Dropped.Load() }

// Close detaches the reader (pkg/mpegts.Subscription).
func (r *Reader) Close() { r.hub.RemoveReader(r) }

// offer queues b without ever blocking. Called with hub.mu held.
func (r *Reader) offer(b Item, pat, pmt []byte) {
	if r.needKey {
		if b.Keyframe < 0 || pat == nil || pmt == nil {
			r.Dropped.Add(uint64(len(b.Data) / mpegts.PacketSize))
			return
		}
		r.Dropped.Add(uint64(b.Keyframe / mpegts.PacketSize))
		b.Restart, b.Lost = r.restart, r.lost
		if r.push(b.Tail(b.Keyframe, pat, pmt)) {
			r.needKey, r.restart, r.lost = false, false, false
		} else {
			r.Dropped.Add(uint64((len(b.Data) - b.Keyframe) / mpegts.PacketSize)) // still full: lost too
		}
		return
	}
	if !r.push(b) {
		r.needKey, r.lost = true, true
		r.Dropped.Add(uint64(len(b.Data) / mpegts.PacketSize))
	}
}

func (r *Reader) push(it Item) bool {
	if r.opt.QueueBytes > 0 && r.queued.Load()+int64(len(it.Data)) > r.opt.QueueBytes {
		return false
	}
	select {
	case r.C <- it:
		if r.opt.QueueBytes > 0 {
			r.queued.Add(int64(len(it.Data)))
		}
		return true
	default:
		return false
	}
}

// Done tells the hub that an item taken from C was handled (for the byte bound and, for a viewer, the
// latency figures).
func (r *Reader) Done(it Item) {
	if r.opt.QueueBytes > 0 {
		r.queued.Add(-int64(len(it.Data)))
	}
	if r.opt.Latency {
		r.hub.Latency.Observe(time.Since(it.At))
	}
}
