package live

import (
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// Viewer is one live consumer. Read its messages from C; C is closed when the viewer is removed.
type Viewer struct {
	C   chan Item
	hub *Hub

	// Guarded by hub.mu.
	needKey bool
	queued  atomic.Int64 // bytes in C

	// Dropped counts packets this viewer lost because it was too slow.
	Dropped atomic.Uint64
}

// offer queues data without ever blocking. Called with hub.mu held.
func (v *Viewer) offer(data []byte, key int, at time.Time, pat, pmt []byte) {
	if v.needKey {
		if key < 0 || pat == nil || pmt == nil {
			v.Dropped.Add(uint64(len(data) / mpegts.PacketSize))
			return
		}
		v.Dropped.Add(uint64(key / mpegts.PacketSize))
		msg := make([]byte, 0, 2*mpegts.PacketSize+len(data)-key)
		msg = append(append(append(msg, pat...), pmt...), data[key:]...)
		if v.push(Item{Data: msg, At: at}) {
			v.needKey = false
		}
		return
	}
	if !v.push(Item{Data: data, At: at}) {
		v.needKey = true
		v.Dropped.Add(uint64(len(data) / mpegts.PacketSize))
	}
}

func (v *Viewer) push(it Item) bool {
	if v.queued.Load()+int64(len(it.Data)) > viewerQueueBytes {
		return false
	}
	select {
	case v.C <- it:
		v.queued.Add(int64(len(it.Data)))
		return true
	default:
		return false
	}
}

// Done tells the hub that an item taken from C was written (for the queue bound and latency figures).
func (v *Viewer) Done(it Item) {
	v.queued.Add(-int64(len(it.Data)))
	v.hub.Latency.Observe(time.Since(it.At))
}
