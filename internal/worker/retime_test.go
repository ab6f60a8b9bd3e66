package worker

import (
	"testing"
	"time"
)

// TestRetimerJumps: a camera at 25 fps with B-frames (times in decode order go back by up to two
// frames) whose timestamps jump an hour forward, then two hours back, then wrap 2³² ticks of 90 kHz:
// the corrected times follow one another by one frame interval across every jump, each jump is
// reported once, and B-frame reordering is left alone.
func TestRetimerJumps(t *testing.T) {
	const frame = int64(40 * time.Millisecond)
	// Presentation order offsets in decode order for an I P B B pattern: I0 P3 B1 B2 P6 B4 B5 …
	order := []int64{0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 12, 10, 11}
	base := []int64{int64(10 * time.Second), int64(10*time.Second + time.Hour), int64(10*time.Second - time.Hour), int64(10*time.Second - time.Hour + 47721858888888)}
	var r Retimer
	var outs []int64
	var jumps int
	var now int64 // the pictures arrive one frame apart
	for seg, b := range base {
		for _, o := range order {
			now += frame
			out, j := r.Fix(b+o*frame, now)
			if j != 0 {
				jumps++
				if o != 0 {
					t.Fatalf("a jump reported inside a GOP at offset %d (segment %d)", o, seg)
				}
			}
			outs = append(outs, out)
		}
	}
	if jumps != 3 {
		t.Fatalf("%d jumps reported, want 3", jumps)
	}
	// Each GOP of 13 pictures shows 13 frames; the next GOP's first picture follows the last GOP's
	// newest (offset 12) by one frame.
	for seg := range base {
		first := outs[seg*len(order)]
		for i, o := range order {
			if got := outs[seg*len(order)+i] - first; got != o*frame {
				t.Fatalf("segment %d picture %d: %v after the GOP's first, want %v", seg, i, time.Duration(got), time.Duration(o*frame))
			}
		}
		if seg > 0 {
			prevNewest := outs[(seg-1)*len(order)] + 12*frame
			if d := first - prevNewest; d != frame {
				t.Fatalf("segment %d starts %v after the previous newest picture, want one frame (%v)", seg, time.Duration(d), time.Duration(frame))
			}
		}
	}
}

// TestRetimerLeavesSteadyStreamsAlone: without a jump the times are the camera's own: a step shorter
// than JumpForward, and a longer pause that really happened (the pictures arrived that far apart: the
// camera or the network stopped for 12 s), are kept.
func TestRetimerLeavesSteadyStreamsAlone(t *testing.T) {
	ms := func(n int64) int64 { return n * int64(time.Millisecond) }
	var r Retimer
	for i, p := range []struct{ pts, at int64 }{
		{0, 0}, {ms(40), ms(40)}, {ms(80), ms(80)}, {ms(4000), ms(200)}, {ms(4040), ms(240)},
		{ms(16040), ms(12300)}, {ms(16080), ms(12340)},
	} {
		if out, j := r.Fix(p.pts, p.at); out != p.pts || j != 0 {
			t.Fatalf("picture %d: %d → %d (jump %v)", i, p.pts, out, j)
		}
	}
}
