// Package live is a camera's stream: the one place its MPEG-TS is parsed (packets aligned, PSI followed,
// keyframes, access-unit starts and PES timestamps marked, by pkg/mpegts.Marker) and the fan-out to every
// reader of it — live viewers, the recorder, and any later reader (HLS, WebRTC, snapshots).
//
// Every reader attaches the same way (AddReader, or Subscribe for the pkg/mpegts.Source interface) and
// gets the same marked batches through its own bounded queue. The producer (the camera's FIFO reader)
// never blocks: when a reader's queue is full it loses packets until the next keyframe, where it
// resumes with PAT/PMT first, and the loss is counted. A reader that joins gets the latest PAT/PMT and
// the packets since the last keyframe (the GOP cache), so a player starts decoding at once.
package live

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// gopCacheMax bounds the GOP cache: a GOP larger than this is not cached.
const gopCacheMax = 8 << 20

// Item is one message for a reader: whole marked TS packets and the time nvrd read them from the FIFO.
type Item = mpegts.Batch

// Hub is one camera's stream. Write and Reset are called by one producer goroutine; the other methods are
// safe for concurrent use.
type Hub struct {
	marker mpegts.Marker // owned by the producer goroutine

	mu      sync.Mutex
	readers map[*Reader]struct{}
	pat     []byte
	pmt     []byte
	gop     []Item
	gopSize int

	bytesIn   atomic.Uint64
	keyframes atomic.Uint64
	frames    atomic.Uint64 // video access units (for the frame rate)
	leftDrops atomic.Uint64 // packets dropped by readers that have left
	resyncs   atomic.Uint64
	lastKeyNS atomic.Int64
	Latency   Histogram // FIFO read → WebSocket written (viewers)
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{readers: map[*Reader]struct{}{}} }

// Write takes raw bytes read from the FIFO at time at, parses them once and offers the marked packets to
// every reader. It never blocks on a reader.
func (h *Hub) Write(raw []byte, at time.Time) {
	h.bytesIn.Add(uint64(len(raw)))
	h.publish(h.marker.Feed(raw, at), at)
}

// WriteOwned is Write for bytes the caller gives away: it never writes to raw again (the FIFO reader
// reads into fresh memory), so the readers' batches share it instead of a copy when it is whole packets.
func (h *Hub) WriteOwned(raw []byte, at time.Time) {
	h.bytesIn.Add(uint64(len(raw)))
	h.publish(h.marker.FeedOwned(raw, at), at)
}

// publish offers one marked batch to every reader and keeps the hub's PSI, GOP cache and counters.
func (h *Hub) publish(b Item, at time.Time) {
	h.resyncs.Store(h.marker.Align.Resyncs)
	if len(b.Data) == 0 {
		return
	}
	psiChanged := false
	for _, mk := range b.Marks {
		switch {
		case mk.Kind == mpegts.MarkPAT || mk.Kind == mpegts.MarkPMT:
			psiChanged = true
		case mk.Key:
			h.keyframes.Add(1)
			h.lastKeyNS.Store(at.UnixNano())
		}
		if mk.Kind == mpegts.MarkFrame {
			h.frames.Add(1)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if psiChanged {
		// Copies: the marker's PSI buffers are reused by the producer.
		if h.marker.PSI.PAT != nil {
			h.pat = append([]byte(nil), h.marker.PSI.PAT...)
		}
		if h.marker.PSI.PMT != nil {
			h.pmt = append([]byte(nil), h.marker.PSI.PMT...)
		}
	}
	h.cacheGOP(b)
	for r := range h.readers {
		r.offer(b, h.pat, h.pmt)
	}
}

func (h *Hub) cacheGOP(b Item) {
	if b.Keyframe >= 0 {
		h.gop = append(h.gop[:0], b.Tail(b.Keyframe, nil, nil))
		h.gopSize = len(b.Data) - b.Keyframe
		return
	}
	if h.gop == nil {
		return // no keyframe seen yet
	}
	if h.gopSize+len(b.Data) > gopCacheMax {
		h.gop, h.gopSize = nil, 0
		return
	}
	h.gop = append(h.gop, b)
	h.gopSize += len(b.Data)
}

// Reset starts a new stream generation (a new worker): partial packets, PSI and the GOP cache of the old
// one are dropped and every reader resumes at the new stream's first keyframe, with its PAT/PMT, on a
// batch marked Restart. Call it from the producer goroutine, before the first Write of the new stream.
func (h *Hub) Reset() {
	h.marker = mpegts.Marker{}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pat, h.pmt, h.gop, h.gopSize = nil, nil, nil, 0
	for r := range h.readers {
		r.needKey, r.restart = true, true
	}
}

// Close disconnects every reader (the camera was removed or restarted with a new URL).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for r := range h.readers {
		delete(h.readers, r)
		close(r.C)
	}
}

// Viewers is the number of connected live viewers.
func (h *Hub) Viewers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for r := range h.readers {
		if r.opt.Latency {
			n++
		}
	}
	return n
}

// Stats are the hub's counters.
type Stats struct {
	BytesIn      uint64
	Keyframes    uint64
	LastKeyframe time.Time // zero before the first
	Resyncs      uint64    // times the byte stream lost packet sync (this generation)
	Frames       uint64    // video access units received
	Dropped      uint64    // packets readers (viewers, the recorder) lost for being slow, ever
}

// Stats returns the counters.
func (h *Hub) Stats() Stats {
	s := Stats{BytesIn: h.bytesIn.Load(), Keyframes: h.keyframes.Load(), Resyncs: h.resyncs.Load(),
		Frames: h.frames.Load(), Dropped: h.leftDrops.Load()}
	h.mu.Lock()
	for r := range h.readers {
		s.Dropped += r.Dropped.Load()
	}
	h.mu.Unlock()
	if ns := h.lastKeyNS.Load(); ns != 0 {
		s.LastKeyframe = time.Unix(0, ns)
	}
	return s
}
