package segments

import (
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// Defaults and caps of a Segmenter.
const (
	DefaultTarget      = 2 * time.Second  // segment length used when NewSegmenter gets 0
	MaxSegmentBytes    = 64 << 20         // a segment is cut at the next frame once it is this big
	MaxSegmentDuration = 60 * time.Second // … or once it spans this long (or twice the target if longer)
	// MaxPTSJump is the largest forward PTS step taken as continuous; a bigger step, or a step back of
	// more than MaxPTSStepBack, is a camera or muxer reset and cuts a segment there.
	MaxPTSJump     = 10 * time.Second
	MaxPTSStepBack = time.Second
)

const (
	hardSlack      = 8 << 20         // bytes beyond MaxSegmentBytes with no frame start: drop and resync
	maxPending     = 8               // PAT/PMT packets held back before they are written out anyway
	wallResync     = 5 * time.Second // wall-clock error beyond which Start is re-anchored at once
	slewPerMille   = 1               // otherwise Start follows the wall clock by at most 0.1 % per segment
	defaultFrameTk = 3600            // 40 ms: frame interval assumed until one is measured
)

// Segmenter cuts an aligned MPEG-TS stream into segments of about a target duration, each starting at
// a keyframe (the video packet with the random-access indicator and PUSI) and beginning with the latest
// PAT and PMT. A segment ends just before the first keyframe at which the target has elapsed since its
// first frame (less half a frame, so that timestamp jitter does not add a whole GOP), measured in video
// PTS with the 33-bit wrap handled. A PTS jump (see MaxPTSJump) ends the segment at once; a segment over
// MaxSegmentBytes or MaxSegmentDuration is cut at the next frame.
//
// Start times: the first segment of a stream starts at the wall-clock time passed to the Write that
// delivered its keyframe. Each following segment starts where the previous one ended (Start+Duration),
// nudged towards the arrival time by at most 0.1 % of a segment so that a drifting camera clock cannot
// pull recordings away from real time; when the two disagree by more than 5 s (the system clock was
// stepped, or the stream stalled) Start jumps to the arrival time.
//
// A Segmenter is not safe for concurrent use: it belongs to the goroutine reading the stream.
type Segmenter struct {
	target   int64 // ticks
	maxBytes int
	maxDur   int64 // ticks

	marker   mpegts.Marker // parses the packets given to Write (not those given to WriteBatch)
	pat, pmt []byte        // the latest PSI packets (empty until seen, and after Flush)
	pending  []byte        // PAT/PMT packets seen since the last other packet, while a segment is open
	seq      uint64
	disc     bool // the next segment to open follows a discontinuity

	// The open segment.
	open      bool
	cur       []byte
	keyframes int
	keyStart  bool  // it starts with a keyframe (not a capped segment's continuation)
	frames    int   // video PES packets with a PTS
	firstRaw  int64 // raw PTS of its first frame
	first     int64 // unwrapped PTS of its first frame
	maxPTS    int64 // largest unwrapped PTS so far
	start     time.Time

	// The PTS timeline: raw value of the latest frame and its unwrapped value.
	hasLast bool
	lastRaw int64
	last    int64

	frameTk   int64     // frame interval measured on the last segment
	nextStart time.Time // Start+Duration of the last segment; zero after a discontinuity
	sizeHint  int
}

// NewSegmenter returns a Segmenter cutting segments of about target (DefaultTarget when 0).
func NewSegmenter(target time.Duration) *Segmenter {
	if target <= 0 {
		target = DefaultTarget
	}
	return &Segmenter{
		target:   durationToTicks(target),
		maxBytes: MaxSegmentBytes,
		maxDur:   durationToTicks(max(MaxSegmentDuration, 2*target)),
		disc:     true,
		frameTk:  defaultFrameTk,
	}
}

// Write takes whole 188-byte packets (any number; a trailing partial packet and packets without the
// sync byte are ignored) that arrived at the wall-clock time at, and returns the segments they
// completed, usually none or one. Packets before the first keyframe are dropped. Write copies what it
// keeps: pkts can be reused after it returns. It parses the packets with the Segmenter's own
// mpegts.Marker; a stream that is already marked goes to WriteBatch instead.
func (s *Segmenter) Write(pkts []byte, at time.Time) []Segment {
	pkts = pkts[:len(pkts)/mpegts.PacketSize*mpegts.PacketSize]
	for off := 0; off < len(pkts); off += mpegts.PacketSize {
		if pkts[off] != mpegts.SyncByte {
			pkts = syncedOnly(pkts)
			break
		}
	}
	return s.WriteBatch(s.marker.Mark(pkts, at))
}

// syncedOnly returns a copy of pkts without the packets that do not start with the sync byte.
func syncedOnly(pkts []byte) []byte {
	out := make([]byte, 0, len(pkts))
	for off := 0; off < len(pkts); off += mpegts.PacketSize {
		if pkts[off] == mpegts.SyncByte {
			out = append(out, pkts[off:off+mpegts.PacketSize]...)
		}
	}
	return out
}

// WriteBatch takes packets marked by the stream's mpegts.Marker (PSI, frame starts, keyframes, PTS) and
// returns the segments they completed, like Write, without parsing any packet again. Marks must come
// from one Marker following the stream from its start (or from a batch led by PAT and PMT).
func (s *Segmenter) WriteBatch(b mpegts.Batch) []Segment {
	at := b.At.Round(0) // wall clock only: a stepped system clock must show in Start
	var out []Segment
	marks := b.Marks
	data := b.Data
	for off := 0; off+mpegts.PacketSize <= len(data); off += mpegts.PacketSize {
		p := data[off : off+mpegts.PacketSize]
		var mk *mpegts.Mark
		if len(marks) > 0 && marks[0].Off == off {
			mk = &marks[0]
			marks = marks[1:]
		}
		if mk != nil && (mk.Kind == mpegts.MarkPAT || mk.Kind == mpegts.MarkPMT) {
			if mk.Kind == mpegts.MarkPAT {
				s.pat = append(s.pat[:0], p...)
			} else {
				s.pmt = append(s.pmt[:0], p...)
			}
			if s.open {
				s.pending = append(s.pending, p...)
				if len(s.pending) >= maxPending*mpegts.PacketSize {
					s.cur = append(s.cur, s.pending...)
					s.pending = s.pending[:0]
				}
			}
			continue
		}
		if mk != nil && mk.Kind == mpegts.MarkFrame && len(s.pat) > 0 && len(s.pmt) > 0 {
			if seg := s.frameStart(mk, at); seg != nil {
				out = append(out, *seg)
			}
		} else if s.open && len(s.cur) >= s.maxBytes+hardSlack {
			// No frame starts for far too long: give up on this segment and wait for a keyframe.
			out = append(out, *s.finish(s.maxPTS + s.interval()))
			s.breakTimeline()
		}
		if s.open {
			if len(s.pending) > 0 {
				s.cur = append(s.cur, s.pending...)
				s.pending = s.pending[:0]
			}
			s.cur = append(s.cur, p...)
		}
	}
	return out
}

// frameStart handles the first packet of a video PES packet (a frame): it advances the PTS timeline and
// may close the open segment and open a new one.
func (s *Segmenter) frameStart(mk *mpegts.Mark, at time.Time) *Segment {
	key := mk.Key
	h := pesHeader{pts: mk.PTS, dts: mk.DTS, hasPTS: mk.HasPTS}
	var done *Segment
	if h.hasPTS && s.hasLast {
		if d := tickDiff(h.pts, s.lastRaw); d > durationToTicks(MaxPTSJump) || d < -durationToTicks(MaxPTSStepBack) {
			if s.open {
				done = s.finish(s.maxPTS + s.interval())
			}
			s.breakTimeline()
		}
	}
	if h.hasPTS {
		if s.hasLast {
			s.last += tickDiff(h.pts, s.lastRaw)
		} else {
			s.last, s.hasLast = h.pts, true
		}
		s.lastRaw = h.pts
	}
	now := s.last // this frame's PTS, unwrapped (the previous frame's if it has none)
	if s.open {
		elapsed := now - s.first
		due := !s.keyStart || elapsed+s.interval()/2 >= s.target // a capped segment ends at the next keyframe
		if key && due || len(s.cur) >= s.maxBytes || elapsed >= s.maxDur {
			done = s.finish(now)
			if !key {
				s.begin(at, now, false) // over a cap: continue without a keyframe rather than lose frames
			}
		}
	}
	if !s.open {
		if !key {
			return done
		}
		s.begin(at, now, true)
	}
	if key {
		s.keyframes++
	}
	if h.hasPTS {
		s.frames++
		s.maxPTS = max(s.maxPTS, now)
	}
	return done
}
