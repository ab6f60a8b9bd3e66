package segments

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// feed writes ts to s in random chunks of 1..50 packets. A chunk arrives at clock(index of its last
// packet). It returns the segments, including the one Flush closes.
func feed(s *Segmenter, ts []byte, rng *rand.Rand, clock func(pkt int) time.Time) []Segment {
	var out []Segment
	n := len(ts) / mpegts.PacketSize
	for i := 0; i < n; {
		k := min(1+rng.IntN(50), n-i)
		out = append(out, s.Write(ts[i*mpegts.PacketSize:(i+k)*mpegts.PacketSize], clock(i+k-1))...)
		i += k
	}
	if seg := s.Flush(); seg != nil {
		out = append(out, *seg)
	}
	return out
}

// realTime spreads n packets evenly over d starting at t0, like a live camera.
func realTime(n int, d time.Duration) func(int) time.Time {
	return func(i int) time.Time { return t0.Add(d * time.Duration(i) / time.Duration(n)) }
}

// checkShape verifies that a segment is whole packets starting with PAT, PMT and a keyframe.
func checkShape(t *testing.T, seg Segment) {
	t.Helper()
	if len(seg.Data) < 3*mpegts.PacketSize || len(seg.Data)%mpegts.PacketSize != 0 {
		t.Fatalf("segment %d: %d bytes, not whole packets", seg.Seq, len(seg.Data))
	}
	var psi mpegts.PSI
	p := packets(seg.Data)
	if mpegts.PID(p[0]) != 0 || !psi.Observe(p[0]) {
		t.Fatalf("segment %d: first packet is PID %d, not the PAT", seg.Seq, mpegts.PID(p[0]))
	}
	if !psi.Observe(p[1]) || mpegts.PID(p[1]) != psi.PMTPID {
		t.Fatalf("segment %d: second packet is PID %d, not the PMT", seg.Seq, mpegts.PID(p[1]))
	}
	if !psi.IsKeyframe(p[2]) {
		t.Fatalf("segment %d: third packet is not the start of a keyframe", seg.Seq)
	}
	h, ok := parsePESHeader(mpegts.Payload(p[2]))
	if !ok || !h.hasPTS || h.pts != seg.FirstPTS {
		t.Fatalf("segment %d: FirstPTS %d, keyframe PES has %d (ok=%v)", seg.Seq, seg.FirstPTS, h.pts, ok)
	}
}

func near(a, b, tol time.Duration) bool { return a-b <= tol && b-a <= tol }

func TestSegmenterCutsTwoSecondSegments(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec clipSpec
	}{{"no B-frames", plainClip}, {"B-frames", bframeClip}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := clip(t, tc.spec)
			n := len(ts) / mpegts.PacketSize
			clock := realTime(n, 10*time.Second)
			for seed := range uint64(5) {
				segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(seed, 1)), clock)
				if len(segs) != 5 {
					t.Fatalf("seed %d: %d segments from 10 s at 2 s, want 5", seed, len(segs))
				}
				var sum time.Duration
				for i, seg := range segs {
					checkShape(t, seg)
					if seg.Seq != uint64(i) {
						t.Fatalf("segment %d has Seq %d", i, seg.Seq)
					}
					if seg.Discontinuity != (i == 0) {
						t.Fatalf("segment %d: Discontinuity=%v", i, seg.Discontinuity)
					}
					if !near(seg.Duration, 2*time.Second, time.Millisecond) {
						t.Fatalf("segment %d lasts %v, want 2 s", i, seg.Duration)
					}
					if seg.Keyframes != 2 {
						t.Fatalf("segment %d has %d keyframes, want 2 (1 s GOP)", i, seg.Keyframes)
					}
					if i > 0 {
						if d := tickDiff(seg.FirstPTS, segs[i-1].FirstPTS); d != 2*ticksPerSecond {
							t.Fatalf("segment %d starts %d ticks after the previous one", i, d)
						}
						// Start+Duration continuity, nudged by at most 0.1 % towards the wall clock.
						if gap := seg.Start.Sub(segs[i-1].End()); !near(gap, 0, 2*time.Millisecond) {
							t.Fatalf("segment %d starts %v after the previous one ends", i, gap)
						}
					}
					sum += seg.Duration
				}
				if !near(sum, 10*time.Second, time.Millisecond) {
					t.Fatalf("segments sum to %v, want the stream's 10 s", sum)
				}
				// The first keyframe is the third packet of the stream; its chunk arrived by packet 52.
				if segs[0].Start.Before(clock(2)) || segs[0].Start.After(clock(52)) {
					t.Fatalf("first segment starts at %v, not when its keyframe arrived", segs[0].Start)
				}
				checkConcatenation(t, ts, segs)
			}
		})
	}
}

// checkConcatenation verifies that the segments, without their leading PAT and PMT, are the input from
// the first keyframe on, except for PAT/PMT packets right before a keyframe that opened a segment (those
// were taken as the segment's own PAT/PMT).
func checkConcatenation(t *testing.T, ts []byte, segs []Segment) {
	t.Helper()
	var got [][]byte
	for _, seg := range segs {
		got = append(got, packets(seg.Data)[2:]...)
	}
	in := packets(ts)
	var psi mpegts.PSI
	first := -1
	isPSI := make([]bool, len(in))
	for i, p := range in {
		isPSI[i] = psi.Observe(p)
		if first < 0 && psi.IsKeyframe(p) {
			first = i
		}
	}
	j := 0
	for i := first; i < len(in); i++ {
		if j < len(got) && bytes.Equal(in[i], got[j]) {
			j++
			continue
		}
		k := i
		for k < len(in) && isPSI[k] {
			k++
		}
		if !isPSI[i] || k == len(in) || !psi.IsKeyframe(in[k]) {
			t.Fatalf("input packet %d (PID %d) is missing from the segments", i, mpegts.PID(in[i]))
		}
	}
	if j != len(got) {
		t.Fatalf("segments hold %d packets more than the input", len(got)-j)
	}
}

func TestSegmenterDropsPacketsBeforeFirstKeyframe(t *testing.T) {
	ts := clip(t, plainClip)
	pts, key := videoPTS(ts)
	// Start the feed in the middle of the first GOP (frame 10) and check that the first segment starts
	// at the second keyframe (frame 25).
	var psi mpegts.PSI
	frame, cut := -1, 0
	for i, p := range packets(ts) {
		if psi.Observe(p) || mpegts.PID(p) != psi.VideoPID || !mpegts.PUSI(p) {
			continue
		}
		if frame++; frame == 10 {
			cut = i
			break
		}
	}
	in := append(append([]byte(nil), ts[:2*mpegts.PacketSize]...), ts[cut*mpegts.PacketSize:]...) // PAT, PMT, then frame 10 on
	segs := feed(NewSegmenter(0), in, rand.New(rand.NewPCG(7, 7)), realTime(len(in)/188, 10*time.Second))
	if len(segs) == 0 || segs[0].FirstPTS != pts[25] || !key[25] {
		t.Fatalf("first segment starts at PTS %d, want the second keyframe's %d", segs[0].FirstPTS, pts[25])
	}
	for _, seg := range segs {
		checkShape(t, seg)
	}
}

func TestSegmenterHandlesPTSWrap(t *testing.T) {
	ts := clip(t, bframeClip)
	pts, _ := videoPTS(ts)
	// Move the stream so that the 33-bit PTS wraps 5 s in.
	ts = shiftTimestamps(ts, ptsWrap-5*ticksPerSecond-pts[0])
	segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(3, 3)), realTime(len(ts)/188, 10*time.Second))
	if len(segs) != 5 {
		t.Fatalf("%d segments across the PTS wrap, want 5", len(segs))
	}
	for i, seg := range segs {
		checkShape(t, seg)
		if seg.Discontinuity != (i == 0) || !near(seg.Duration, 2*time.Second, time.Millisecond) {
			t.Fatalf("segment %d across the wrap: %v, discontinuity %v", i, seg.Duration, seg.Discontinuity)
		}
	}
	if segs[3].FirstPTS != 1*ticksPerSecond {
		t.Fatalf("segment 3 starts at PTS %d, want 90000 (just after the wrap)", segs[3].FirstPTS)
	}
}

func TestSegmenterCutsAtPTSJumps(t *testing.T) {
	ts := clip(t, plainClip)
	pts, _ := videoPTS(ts)
	for _, tc := range []struct {
		name  string
		shift int64 // how far the second copy's timestamps are moved
	}{
		{"forward jump", 3600 * ticksPerSecond},
		{"backwards", -10 * ticksPerSecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The stream, then the same stream again with shifted timestamps, joined in the middle of a
			// GOP (after frame 60 of the first copy, then from frame 38 of the second copy).
			a := packetsUpToFrame(ts, 60)
			b := ts[len(packetsUpToFrame(ts, 38)):]
			in := append(append([]byte(nil), a...), shiftTimestamps(b, tc.shift)...)
			segs := feed(NewSegmenter(0), in, rand.New(rand.NewPCG(1, 2)), realTime(len(in)/188, 10*time.Second))
			// First copy: frames 0..59 → segments of 2 s and 0.4 s (cut at the jump, duration estimated).
			// Second copy: from the keyframe at frame 50, 200 frames → 4 × 2 s.
			want := []time.Duration{2 * time.Second, 400 * time.Millisecond, 2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}
			if len(segs) != len(want) {
				t.Fatalf("got %d segments, want %d", len(segs), len(want))
			}
			for i, seg := range segs {
				checkShape(t, seg)
				if !near(seg.Duration, want[i], time.Millisecond) {
					t.Fatalf("segment %d lasts %v, want %v", i, seg.Duration, want[i])
				}
				if seg.Discontinuity != (i == 0 || i == 2) {
					t.Fatalf("segment %d: Discontinuity=%v", i, seg.Discontinuity)
				}
			}
			if want := (pts[50] + tc.shift) & (ptsWrap - 1); segs[2].FirstPTS != want {
				t.Fatalf("after the jump the first segment starts at PTS %d, want %d (next keyframe)", segs[2].FirstPTS, want)
			}
		})
	}
}

// packetsUpToFrame returns the packets of ts before the start of video frame n (0-based).
func packetsUpToFrame(ts []byte, n int) []byte {
	var psi mpegts.PSI
	frame := -1
	for i, p := range packets(ts) {
		if psi.Observe(p) || mpegts.PID(p) != psi.VideoPID || !mpegts.PUSI(p) {
			continue
		}
		if frame++; frame == n {
			return ts[:i*mpegts.PacketSize]
		}
	}
	return ts
}

func TestSegmenterCapsSegmentsWithoutKeyframes(t *testing.T) {
	long := plainClip
	long.gop = 250 // one keyframe in 10 s
	ts := clip(t, long)
	t.Run("bytes", func(t *testing.T) {
		s := NewSegmenter(0)
		s.maxBytes = 100 << 10
		segs := feed(s, ts, rand.New(rand.NewPCG(5, 5)), realTime(len(ts)/188, 10*time.Second))
		checkCapped(t, ts, segs, func(seg Segment) bool { return len(seg.Data) <= s.maxBytes+64<<10 })
	})
	t.Run("duration", func(t *testing.T) {
		s := NewSegmenter(0)
		s.maxDur = 3 * ticksPerSecond
		segs := feed(s, ts, rand.New(rand.NewPCG(6, 6)), realTime(len(ts)/188, 10*time.Second))
		checkCapped(t, ts, segs, func(seg Segment) bool { return seg.Duration == 3*time.Second || seg.Seq == 3 })
		if len(segs) != 4 {
			t.Fatalf("%d segments of at most 3 s from 10 s, want 4", len(segs))
		}
	})
}

func TestSegmenterCappedSegmentEndsAtNextKeyframe(t *testing.T) {
	spec := plainClip
	spec.gop = 100 // a keyframe every 4 s
	ts := clip(t, spec)
	s := NewSegmenter(0)
	s.maxDur = 3 * ticksPerSecond
	segs := feed(s, ts, rand.New(rand.NewPCG(6, 7)), realTime(len(ts)/188, 10*time.Second))
	want := []struct {
		d    time.Duration
		keys int
	}{{3 * time.Second, 1}, {time.Second, 0}, {3 * time.Second, 1}, {time.Second, 0}, {2 * time.Second, 1}}
	if len(segs) != len(want) {
		t.Fatalf("%d segments, want %d", len(segs), len(want))
	}
	for i, seg := range segs {
		if seg.Duration != want[i].d || seg.Keyframes != want[i].keys {
			t.Fatalf("segment %d: %v with %d keyframes, want %v with %d", i, seg.Duration, seg.Keyframes, want[i].d, want[i].keys)
		}
		if seg.Keyframes > 0 {
			checkShape(t, seg)
		}
	}
	checkConcatenation(t, ts, segs)
}

func checkCapped(t *testing.T, ts []byte, segs []Segment, ok func(Segment) bool) {
	t.Helper()
	if len(segs) < 2 {
		t.Fatalf("a 10 s GOP was not cut: %d segment(s)", len(segs))
	}
	var sum time.Duration
	for i, seg := range segs {
		if i == 0 {
			checkShape(t, seg)
		} else if seg.Keyframes != 0 || seg.Discontinuity || mpegts.PID(seg.Data) != 0 {
			t.Fatalf("capped segment %d: %d keyframes, discontinuity %v, first PID %d", i, seg.Keyframes, seg.Discontinuity, mpegts.PID(seg.Data))
		}
		if !ok(seg) {
			t.Fatalf("segment %d is over the cap: %d bytes, %v", i, len(seg.Data), seg.Duration)
		}
		sum += seg.Duration
	}
	if !near(sum, 10*time.Second, time.Millisecond) {
		t.Fatalf("capped segments sum to %v, want 10 s", sum)
	}
	checkConcatenation(t, ts, segs)
}

func TestSegmenterStartFollowsWallClock(t *testing.T) {
	ts := clip(t, plainClip)
	n := len(ts) / mpegts.PacketSize
	t.Run("clock step", func(t *testing.T) {
		// The system clock jumps an hour ahead 5 s into the stream.
		clock := func(i int) time.Time {
			at := realTime(n, 10*time.Second)(i)
			if at.Sub(t0) >= 5*time.Second {
				at = at.Add(time.Hour)
			}
			return at
		}
		segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(9, 9)), clock)
		if len(segs) != 5 {
			t.Fatalf("%d segments", len(segs))
		}
		if gap := segs[3].Start.Sub(segs[2].End()); !near(gap, time.Hour, 200*time.Millisecond) {
			t.Fatalf("segment at 6 s starts %v after its predecessor; the clock stepped an hour", gap)
		}
	})
	t.Run("drift", func(t *testing.T) {
		// The camera clock runs 1 % slow against the wall clock: each packet arrives at 1.01 × its
		// media time. Start follows by the 0.1 % limit, 2 ms per 2 s segment.
		s := NewSegmenter(0)
		var segs []Segment
		var psi mpegts.PSI
		var first, media int64 = -1, 0
		for _, p := range packets(ts) {
			if !psi.Observe(p) && mpegts.PID(p) == psi.VideoPID && mpegts.PUSI(p) {
				h, _ := parsePESHeader(mpegts.Payload(p))
				if first < 0 {
					first = h.pts
				}
				media = h.pts - first
			}
			segs = append(segs, s.Write(p, t0.Add(ticksToDuration(media)*101/100))...)
		}
		if len(segs) != 4 {
			t.Fatalf("%d segments before Flush, want 4", len(segs))
		}
		for i := 1; i < len(segs); i++ {
			if gap := segs[i].Start.Sub(segs[i-1].End()); gap != 2*time.Millisecond {
				t.Fatalf("segment %d: slewed by %v, want the 2 ms limit", i, gap)
			}
		}
	})
}
