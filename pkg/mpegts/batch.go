package mpegts

import "time"

// MarkKind says what a marked packet is.
type MarkKind uint8

// Kinds of marked packets.
const (
	MarkPAT   MarkKind = iota + 1 // a PAT packet
	MarkPMT                       // a PMT packet
	MarkFrame                     // the first packet of a video PES packet (an access unit)
)

// Mark describes one packet of a Batch that a reader may care about: PSI, or the start of a video access
// unit with its timestamps. Packets without a mark are the rest of a frame (or other streams).
type Mark struct {
	Off  int // byte offset of the packet in Batch.Data
	Kind MarkKind
	// For MarkFrame: Key is set on the first packet of a keyframe (random-access indicator), and PTS/DTS
	// are the PES header's raw 33-bit timestamps when HasPTS (DTS == PTS when the stream sent none).
	Key      bool
	HasPTS   bool
	PTS, DTS int64
}

// Batch is one aligned read of a camera's stream, parsed once by a Marker and shared read-only by every
// reader: whole 188-byte packets, the time they were read, and the marks of their PSI and frame starts.
type Batch struct {
	Data  []byte    // whole packets (shared: do not modify)
	At    time.Time // when nvrd read them
	Marks []Mark    // in order of Off
	// Keyframe is the offset of the first packet that starts a keyframe, or -1.
	Keyframe int
	// Restart is set on a reader's first batch of a new stream (a new worker generation); Lost on its
	// first batch after it dropped packets. Either way the batch starts with PAT, PMT and a keyframe.
	Restart, Lost bool
}

// Marker aligns a byte stream into packets and marks them (PSI, frame starts, keyframes, PES
// timestamps), following the PAT and PMT. It is the one parser of a camera's stream. Not safe for
// concurrent use.
type Marker struct {
	Align Aligner
	PSI   PSI
}

// Feed aligns raw bytes (any read size, resyncing on a lost sync byte) and marks the whole packets now
// available. Data is nil when no whole packet was completed.
func (m *Marker) Feed(raw []byte, at time.Time) Batch {
	data := m.Align.Feed(raw)
	if len(data) == 0 {
		return Batch{At: at, Keyframe: -1}
	}
	return m.Mark(data, at)
}

// FeedOwned is Feed for raw bytes the caller gives away (it never writes to them again): the batch
// then shares them instead of a copy when they are whole packets in sync (Aligner.FeedOwned).
func (m *Marker) FeedOwned(raw []byte, at time.Time) Batch {
	data := m.Align.FeedOwned(raw)
	if len(data) == 0 {
		return Batch{At: at, Keyframe: -1}
	}
	return m.Mark(data, at)
}

// Mark marks already aligned packets (each must start with the sync byte). The batch keeps data.
func (m *Marker) Mark(data []byte, at time.Time) Batch {
	b := Batch{Data: data, At: at, Keyframe: -1}
	for off := 0; off+PacketSize <= len(data); off += PacketSize {
		p := data[off : off+PacketSize]
		if m.PSI.Observe(p) {
			k := MarkPAT
			if PID(p) != 0 {
				k = MarkPMT
			}
			b.Marks = append(b.Marks, Mark{Off: off, Kind: k})
			continue
		}
		if m.PSI.VideoPID == 0 || PID(p) != m.PSI.VideoPID || !PUSI(p) {
			continue
		}
		mk := Mark{Off: off, Kind: MarkFrame, Key: RandomAccess(p)}
		if h, ok := ParsePES(Payload(p)); ok && h.HasPTS {
			mk.HasPTS, mk.PTS, mk.DTS = true, h.PTS, h.DTS
		}
		if mk.Key && b.Keyframe < 0 {
			b.Keyframe = off
		}
		b.Marks = append(b.Marks, mk)
	}
	return b
}

// Tail returns the part of b from the packet at off (a multiple of PacketSize) on, led by the PSI
// packets pat and pmt (which may be nil), with its marks shifted to match. With PSI to lead it copies
// the data; without, it shares b's.
func (b Batch) Tail(off int, pat, pmt []byte) Batch {
	lead := len(pat) + len(pmt)
	data := b.Data[off:]
	if lead > 0 {
		data = make([]byte, 0, lead+len(b.Data)-off)
		data = append(append(append(data, pat...), pmt...), b.Data[off:]...)
	}
	out := Batch{Data: data, At: b.At, Keyframe: -1, Restart: b.Restart, Lost: b.Lost}
	out.Marks = make([]Mark, 0, len(b.Marks)+2)
	if pat != nil {
		out.Marks = append(out.Marks, Mark{Off: 0, Kind: MarkPAT})
	}
	if pmt != nil {
		out.Marks = append(out.Marks, Mark{Off: len(pat), Kind: MarkPMT})
	}
	for _, mk := range b.Marks {
		if mk.Off < off {
			continue
		}
		mk.Off += lead - off
		if mk.Key && out.Keyframe < 0 {
			out.Keyframe = mk.Off
		}
		out.Marks = append(out.Marks, mk)
	}
	return out
}

// Join concatenates batches (the packets since a keyframe) behind pat and pmt into one batch with
// shifted marks, timed at the last batch's At. It copies the data.
func Join(pat, pmt []byte, bs []Batch) Batch {
	n := len(pat) + len(pmt)
	marks := 2
	for _, b := range bs {
		n += len(b.Data)
		marks += len(b.Marks)
	}
	out := Batch{Data: make([]byte, 0, n), Marks: make([]Mark, 0, marks), Keyframe: -1}
	if pat != nil {
		out.Marks = append(out.Marks, Mark{Off: 0, Kind: MarkPAT})
	}
	if pmt != nil {
		out.Marks = append(out.Marks, Mark{Off: len(pat), Kind: MarkPMT})
	}
	out.Data = append(append(out.Data, pat...), pmt...)
	for _, b := range bs {
		base := len(out.Data)
		for _, mk := range b.Marks {
			mk.Off += base
			if mk.Key && out.Keyframe < 0 {
				out.Keyframe = mk.Off
			}
			out.Marks = append(out.Marks, mk)
		}
		out.Data = append(out.Data, b.Data...)
		out.At = b.At
	}
	return out
}

// Source is a camera's parsed stream as its readers see it (internal/live.Hub is one): every reader
// subscribes the same way and gets the same marked batches through its own bounded queue.
type Source interface {
	// Subscribe attaches a reader with room for queue batches. Its first batch starts with PAT, PMT and
	// a keyframe. When the queue is full the reader loses packets until the next keyframe, where it
	// resumes on a batch marked Lost (PAT/PMT first); the producer never waits.
	Subscribe(name string, queue int) Subscription
}

// Subscription is one reader of a Source.
type Subscription interface {
	Batches() <-chan Batch // closed when the reader is removed or the stream ends for good
	Drops() uint64         // packets lost because the reader was too slow
	Close()                // detach; Batches is closed
}
