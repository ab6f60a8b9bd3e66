// Package live fans one camera's MPEG-TS out to its live viewers.
//
// The producer (the camera's FIFO reader) never blocks: each viewer has a bounded queue; when it is full
// the viewer loses packets until the next keyframe, where it resumes with PAT/PMT first, and the loss is
// counted. A viewer that joins gets the latest PAT/PMT and the packets since the last keyframe (the GOP
// cache), so the player starts decoding at once.
package live

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// Queue bounds of one viewer.
const (
	viewerQueueLen   = 256     // messages
	viewerQueueBytes = 4 << 20 // bytes waiting to be written (~8 s at 4 Mbit/s)
	gopCacheMax      = 8 << 20 // a GOP larger than this is not cached
)

// Item is one message for a viewer: whole TS packets and the time nvrd read them from the FIFO.
type Item struct {
	Data []byte
	At   time.Time
}

// Packets is one aligned read from the FIFO, handed to packet consumers (the recorder).
type Packets struct {
	Data []byte    // whole 188-byte packets
	At   time.Time // when they were read
	// Keyframe is the offset of the first packet that starts a keyframe, or -1.
	Keyframe int
	PAT, PMT []byte // latest PSI packets (shared, read-only)
}

// Hub is one camera's fan-out. Write is called by one producer goroutine; the other methods are safe
// for concurrent use.
type Hub struct {
	// Owned by the producer goroutine.
	align mpegts.Aligner
	psi   mpegts.PSI

	mu      sync.Mutex
	viewers map[*Viewer]struct{}
	pat     []byte
	pmt     []byte
	gop     []Item
	gopSize int

	bytesIn     atomic.Uint64
	keyframes   atomic.Uint64
	lastKeyNS   atomic.Int64
	lastWriteNS atomic.Int64
	Latency     Histogram // FIFO read → WebSocket written
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{viewers: map[*Viewer]struct{}{}} }

// Write takes raw bytes read from the FIFO at time at. It returns the aligned packets (for recording);
// Data is nil when the read held no whole packet.
func (h *Hub) Write(raw []byte, at time.Time) Packets {
	h.bytesIn.Add(uint64(len(raw)))
	h.lastWriteNS.Store(at.UnixNano())
	data := h.align.Feed(raw)
	if len(data) == 0 {
		return Packets{Keyframe: -1}
	}
	key := -1
	psiChanged := false
	for off := 0; off < len(data); off += mpegts.PacketSize {
		p := data[off : off+mpegts.PacketSize]
		if h.psi.Observe(p) {
			psiChanged = true
			continue
		}
		if h.psi.IsKeyframe(p) {
			h.keyframes.Add(1)
			h.lastKeyNS.Store(at.UnixNano())
			if key < 0 {
				key = off
			}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if psiChanged {
		// Copies: PSI's own buffers are reused by the producer.
		if h.psi.PAT != nil {
			h.pat = append([]byte(nil), h.psi.PAT...)
		}
		if h.psi.PMT != nil {
			h.pmt = append([]byte(nil), h.psi.PMT...)
		}
	}
	h.cacheGOP(data, key, at)
	for v := range h.viewers {
		v.offer(data, key, at, h.pat, h.pmt)
	}
	return Packets{Data: data, At: at, Keyframe: key, PAT: h.pat, PMT: h.pmt}
}

func (h *Hub) cacheGOP(data []byte, key int, at time.Time) {
	if key >= 0 {
		h.gop = append(h.gop[:0], Item{Data: data[key:], At: at})
		h.gopSize = len(data) - key
		return
	}
	if h.gop == nil {
		return // no keyframe seen yet
	}
	if h.gopSize+len(data) > gopCacheMax {
		h.gop, h.gopSize = nil, 0
		return
	}
	h.gop = append(h.gop, Item{Data: data, At: at})
	h.gopSize += len(data)
}

// Reset starts a new stream generation (a new worker): partial packets, PSI and the GOP cache of the old
// one are dropped and every viewer resumes at the new stream's first keyframe, with its PAT/PMT. Call it
// from the producer goroutine, before the first Write of the new stream.
func (h *Hub) Reset() {
	h.align = mpegts.Aligner{}
	h.psi = mpegts.PSI{}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pat, h.pmt, h.gop, h.gopSize = nil, nil, nil, 0
	for v := range h.viewers {
		v.needKey = true
	}
}

// Join adds a viewer. Its first message is PAT, PMT and the cached packets since the last keyframe;
// without a keyframe yet it waits for one.
func (h *Hub) Join() *Viewer {
	v := &Viewer{C: make(chan Item, viewerQueueLen), hub: h, needKey: true}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.gop) > 0 && h.pat != nil && h.pmt != nil {
		first := make([]byte, 0, 2*mpegts.PacketSize+h.gopSize)
		first = append(append(first, h.pat...), h.pmt...)
		for _, it := range h.gop {
			first = append(first, it.Data...)
		}
		v.push(Item{Data: first, At: h.gop[len(h.gop)-1].At})
		v.needKey = false
	}
	h.viewers[v] = struct{}{}
	return v
}

// Leave removes a viewer and closes its channel.
func (h *Hub) Leave(v *Viewer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.viewers[v]; ok {
		delete(h.viewers, v)
		close(v.C)
	}
}

// Close disconnects every viewer (the camera was removed).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for v := range h.viewers {
		delete(h.viewers, v)
		close(v.C)
	}
}

// Viewers is the number of connected viewers.
func (h *Hub) Viewers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.viewers)
}

// Stats are the hub's counters.
type Stats struct {
	BytesIn      uint64
	Keyframes    uint64
	LastKeyframe time.Time // zero before the first
	LastWrite    time.Time // zero before the first byte
	Resyncs      uint64
}

// Stats returns the counters. Resyncs is read without the producer's lock and may lag.
func (h *Hub) Stats() Stats {
	s := Stats{BytesIn: h.bytesIn.Load(), Keyframes: h.keyframes.Load()}
	if ns := h.lastKeyNS.Load(); ns != 0 {
		s.LastKeyframe = time.Unix(0, ns)
	}
	if ns := h.lastWriteNS.Load(); ns != 0 {
		s.LastWrite = time.Unix(0, ns)
	}
	return s
}
