package segments

import (
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// Flush closes the open segment, if any, at shutdown or when the stream ends; its duration is estimated
// as the last frame's PTS plus one frame interval. The Segmenter then starts afresh: the next Write waits
// for a new PAT, PMT and keyframe, and the next segment is marked as a discontinuity.
func (s *Segmenter) Flush() *Segment {
	var seg *Segment
	if s.open {
		seg = s.finish(s.maxPTS + s.interval())
	}
	s.breakTimeline()
	s.pat, s.pmt = s.pat[:0], s.pmt[:0]
	s.marker.PSI = mpegts.PSI{}
	return seg
}

// begin opens a segment at a frame whose unwrapped PTS is now (the frame is accounted by the caller);
// key tells whether that frame is a keyframe.
func (s *Segmenter) begin(at time.Time, now int64, key bool) {
	s.open = true
	s.cur = make([]byte, 0, max(s.sizeHint, 64*mpegts.PacketSize))
	s.cur = append(append(s.cur, s.pat...), s.pmt...)
	s.pending = s.pending[:0]
	s.keyframes, s.frames, s.keyStart = 0, 0, key
	s.first, s.maxPTS = now, now
	s.firstRaw = s.lastRaw
	s.start = s.startTime(at)
}

// finish closes the open segment; end is the unwrapped PTS where it stops.
func (s *Segmenter) finish(end int64) *Segment {
	dur := ticksToDuration(max(end-s.first, 0))
	seg := &Segment{
		Seq: s.seq, Start: s.start, Duration: dur, Data: s.cur,
		Keyframes: s.keyframes, FirstPTS: s.firstRaw, Discontinuity: s.disc,
	}
	s.frameTk = s.interval()
	s.seq++
	s.sizeHint = len(s.cur) + len(s.cur)/8
	s.nextStart = s.start.Add(dur)
	s.open, s.cur, s.disc = false, nil, false
	s.pending = s.pending[:0]
	return seg
}

// breakTimeline forgets the PTS timeline and the wall-clock continuity, after a PTS jump, dropped data or
// Flush. The next segment opens at a keyframe and is marked as a discontinuity.
func (s *Segmenter) breakTimeline() {
	s.open, s.cur = false, nil
	s.pending = s.pending[:0]
	s.hasLast = false
	s.nextStart = time.Time{}
	s.disc = true
}

// interval is the frame interval in ticks: measured on the open segment (PTS span over frames, which
// holds with B-frames too) or else the last measured one.
func (s *Segmenter) interval() int64 {
	if s.open && s.frames >= 2 && s.maxPTS > s.first {
		return (s.maxPTS - s.first) / int64(s.frames-1)
	}
	return s.frameTk
}

// startTime derives the Start of a segment opening now, given the arrival time of its keyframe.
func (s *Segmenter) startTime(at time.Time) time.Time {
	if s.nextStart.IsZero() {
		return at
	}
	off := at.Sub(s.nextStart)
	if off > wallResync || off < -wallResync {
		return at
	}
	limit := time.Duration(s.target) * time.Second / ticksPerSecond * slewPerMille / 1000
	return s.nextStart.Add(min(max(off, -limit), limit))
}
