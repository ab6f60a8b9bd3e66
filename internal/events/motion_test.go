package events

import (
	"bytes"
	"image/jpeg"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// W×H is the size of the synthetic keyframes of the motion tests (block coordinates are
// given for 640 pixels across and scaled).
const W, H = 320, 180

func TestMovingBlockMakesOneMotionEvent(t *testing.T) {
	h := newHarness(t, Options{})
	h.e.Configure(testCamera("cam")) // post-roll 5 s
	s := newScene(W, H, 1)

	for i := 0; i < 10; i++ {
		h.feed("cam", float64(i), s.still(t))
	}
	if n := len(h.sink.list("")); n != 0 {
		t.Fatalf("%d events before anything moved", n)
	}
	// A 60×60 block moves across for 5 keyframes (t = 10..14), then stays where it is.
	motionFrames := map[string]bool{}
	for i := 0; i < 5; i++ {
		f := s.frame(t, 0, block(100+60*i, 150, 60))
		motionFrames[string(f)] = true
		h.feed("cam", float64(10+i), f)
		if i == 0 {
			st, _ := h.e.Status("cam")
			if !st.MotionActive || st.MotionScore < 2 {
				t.Fatalf("status after the block appeared: %+v", st)
			}
		}
	}
	for i := 15; i < 19; i++ {
		h.feed("cam", float64(i), s.frame(t, 0, block(100+60*4, 150, 60)))
	}
	evs := h.sink.list(store.EventMotion)
	if len(evs) != 1 || !evs[0].Open() {
		t.Fatalf("before the post-roll passed: %+v", evs)
	}
	h.feed("cam", 19, s.frame(t, 0, block(100+60*4, 150, 60))) // 5 s after the last motion
	for i := 20; i < 40; i++ {
		h.feed("cam", float64(i), s.frame(t, 0, block(100+60*4, 150, 60)))
	}

	evs = h.sink.list("")
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1: %+v", len(evs), evs)
	}
	ev := evs[0]
	if ev.Kind != store.EventMotion || !ev.Start.Equal(at(10)) || !ev.End.Equal(at(14)) {
		t.Fatalf("event %s..%s, want %s..%s", ev.Start, ev.End, at(10), at(14))
	}
	if ev.Score < 2 {
		t.Errorf("peak score %.2f is below the threshold", ev.Score)
	}
	snap := h.sink.snapshot(ev.ID)
	if !motionFrames[string(snap)] {
		t.Errorf("the snapshot (%d bytes) is not one of the motion keyframes", len(snap))
	}
	if _, err := jpeg.Decode(bytes.NewReader(snap)); err != nil {
		t.Errorf("snapshot: %v", err)
	}

	calls := h.rec.list()
	if len(calls) == 0 {
		t.Fatal("the recorder was never triggered")
	}
	first, last := calls[0], calls[len(calls)-1]
	if first.camera != "cam" || first.reason != "motion" || first.start.After(at(10)) || first.until.Before(at(10)) {
		t.Errorf("first trigger %+v, want start ≤ %s", first, at(10))
	}
	for _, c := range calls {
		if !c.start.Equal(first.start) {
			t.Errorf("a trigger changed the start: %+v", c)
		}
	}
	if !last.until.Equal(at(14 + 5)) {
		t.Errorf("last trigger until %s, want the last motion + post-roll %s", last.until, at(19))
	}
	st, _ := h.e.Status("cam")
	if st.MotionActive || st.Events != 1 || st.Keyframes != 40 || st.FramesDropped != 0 {
		t.Errorf("status %+v", st)
	}
	t.Logf("peak score %.2f; %d triggers", ev.Score, len(calls))
}

func TestStillFramesMakeNoEvent(t *testing.T) {
	h := newHarness(t, Options{})
	h.e.Configure(testCamera("cam"))
	s := newScene(W, H, 2)
	s.noise = 6 // a grainy night picture
	peak := 0.0
	for i := 0; i < 60; i++ { // one keyframe a second for a minute
		h.feed("cam", float64(i), s.still(t))
		st, _ := h.e.Status("cam")
		peak = max(peak, st.MotionScore)
	}
	if evs := h.sink.list(""); len(evs) != 0 {
		t.Fatalf("still frames made events: %+v", evs)
	}
	if n := len(h.rec.list()); n != 0 {
		t.Fatalf("still frames triggered the recorder %d times", n)
	}
	t.Logf("highest score of still frames: %.3f", peak)
}

func TestBrightnessChangeMakesNoEvent(t *testing.T) {
	h := newHarness(t, Options{})
	h.e.Configure(testCamera("cam"))
	s := newScene(W, H, 3)
	sec := 0.0
	for _, offset := range []float64{0, 0, 0, 40, 40, 40, -30, -30, 10, 10, 10} { // lights on, off, dimmed
		h.feed("cam", sec, s.frame(t, offset, nil))
		sec++
	}
	if evs := h.sink.list(""); len(evs) != 0 {
		t.Fatalf("brightness changes made events: %+v", evs)
	}
}

// maskedRun feeds a block moving inside the top-left quarter and returns the events.
func maskedRun(t *testing.T, masks []store.Polygon) []store.Event {
	h := newHarness(t, Options{})
	cam := testCamera("cam")
	cam.Motion.Masks = masks
	h.e.Configure(cam)
	s := newScene(W, H, 4)
	for i := 0; i < 3; i++ {
		h.feed("cam", float64(i), s.still(t))
	}
	for i := 0; i < 6; i++ {
		h.feed("cam", float64(3+i), s.frame(t, 0, block(20+40*i, 30, 50)))
	}
	for i := 9; i < 20; i++ {
		h.feed("cam", float64(i), s.frame(t, 0, block(20+40*5, 30, 50)))
	}
	return h.sink.list("")
}

func TestMotionInsideAMaskMakesNoEvent(t *testing.T) {
	if evs := maskedRun(t, nil); len(evs) != 1 {
		t.Fatalf("without the mask the block must make one event, got %d", len(evs))
	}
	mask := []store.Polygon{{{X: 0, Y: 0}, {X: 0.5, Y: 0}, {X: 0.5, Y: 0.5}, {X: 0, Y: 0.5}}}
	if evs := maskedRun(t, mask); len(evs) != 0 {
		t.Fatalf("motion inside the mask made events: %+v", evs)
	}
}

// burstRun feeds motion bursts (lists of seconds with motion; the block moves on each) in 40 s
// of keyframes and returns the motion events and the recorder calls.
func burstRun(t *testing.T, minFrames int, bursts ...float64) ([]store.Event, []triggerCall) {
	h := newHarness(t, Options{})
	cam := testCamera("cam")
	cam.Motion.MinFrames = minFrames
	h.e.Configure(cam)
	s := newScene(W, H, 5)
	moving := map[float64]bool{}
	for _, b := range bursts {
		moving[b] = true
	}
	x := 50
	for sec := 0.0; sec < 40; sec++ {
		if moving[sec] {
			x += 50
		}
		if x == 50 {
			h.feed("cam", sec, s.still(t))
		} else {
			h.feed("cam", sec, s.frame(t, 0, block(x%(W-60), 150, 60)))
		}
	}
	return h.sink.list(store.EventMotion), h.rec.list()
}

func TestBurstsWithinPostRollMakeOneEvent(t *testing.T) {
	// Post-roll 5 s: motion at 10..12, nothing at 13..15, motion at 16..17.
	evs, _ := burstRun(t, 1, 10, 11, 12, 16, 17)
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1: %+v", len(evs), evs)
	}
	if !evs[0].Start.Equal(at(10)) || !evs[0].End.Equal(at(17)) {
		t.Fatalf("event %s..%s", evs[0].Start, evs[0].End)
	}
	// The same bursts farther apart than the post-roll make two.
	evs, _ = burstRun(t, 1, 10, 11, 12, 19, 20)
	if len(evs) != 2 || !evs[0].End.Equal(at(12)) || !evs[1].Start.Equal(at(19)) {
		t.Fatalf("bursts 7 s apart: %+v", evs)
	}
}

func TestMinFrames(t *testing.T) {
	// min_frames 3: two moving keyframes are not enough; three are, and the event (and the
	// recording) starts at the first of them.
	evs, calls := burstRun(t, 3, 10, 11, 25, 26, 27)
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1: %+v", len(evs), evs)
	}
	if !evs[0].Start.Equal(at(25)) {
		t.Fatalf("event starts at %s, want %s", evs[0].Start, at(25))
	}
	if len(calls) == 0 || !calls[0].start.Equal(at(25)) {
		t.Fatalf("triggers %+v", calls)
	}
	for _, c := range calls {
		if c.start.Before(at(20)) {
			t.Fatalf("the short burst triggered a recording: %+v", c)
		}
	}
	// Control: with min_frames 1 the short burst makes its own event.
	if evs, _ := burstRun(t, 1, 10, 11, 25, 26, 27); len(evs) != 2 {
		t.Fatalf("min_frames 1: %d events, want 2", len(evs))
	}
}

func TestGlobalChangeDoesNotStartOrCount(t *testing.T) {
	// The whole picture changes (the camera's IR switch) while a small block moves: no event,
	// since the global change is not motion and the next frames are still.
	h := newHarness(t, Options{})
	h.e.Configure(testCamera("cam"))
	s := newScene(W, H, 6)
	h.feed("cam", 0, s.still(t))
	h.feed("cam", 1, s.still(t))
	h.feed("cam", 2, s.frame(t, 90, block(100, 100, 40)))
	for i := 3; i < 12; i++ {
		h.feed("cam", float64(i), s.frame(t, 90, block(100, 100, 40)))
	}
	if evs := h.sink.list(""); len(evs) != 0 {
		t.Fatalf("a global change made events: %+v", evs)
	}
}

func TestMotionSettingsApplyLive(t *testing.T) {
	h := newHarness(t, Options{})
	cam := testCamera("cam")
	h.e.Configure(cam)
	s := newScene(W, H, 7)
	h.feed("cam", 0, s.still(t))
	h.feed("cam", 1, s.frame(t, 0, block(100, 100, 60)))
	h.feed("cam", 2, s.frame(t, 0, block(200, 100, 60)))
	if evs := h.sink.list(""); len(evs) != 1 || !evs[0].Open() {
		t.Fatalf("events %+v", evs)
	}
	// Switching motion off ends the open event at its last motion.
	cam.Motion.Enabled = false
	h.e.Configure(cam)
	h.settle("cam")
	evs := h.sink.list("")
	if len(evs) != 1 || !evs[0].End.Equal(at(2)) {
		t.Fatalf("after motion was switched off: %+v", evs)
	}
	for i := 3; i < 8; i++ {
		h.feed("cam", float64(i), s.frame(t, 0, block(100+50*i, 100, 60)))
	}
	if evs := h.sink.list(""); len(evs) != 1 {
		t.Fatalf("motion detection still runs while off: %+v", evs)
	}
	if st, _ := h.e.Status("cam"); st.MotionEnabled || st.MotionActive || st.MotionScore != 0 {
		t.Errorf("status %+v", st)
	}
	// A higher threshold than the block scores: nothing.
	cam.Motion.Enabled, cam.Motion.Threshold = true, 200
	h.e.Configure(cam)
	for i := 8; i < 14; i++ {
		h.feed("cam", float64(i), s.frame(t, 0, block(50*i-300, 100, 60)))
	}
	if evs := h.sink.list(""); len(evs) != 1 {
		t.Fatalf("threshold 200: %+v", evs)
	}
	if st, _ := h.e.Status("cam"); st.MotionThreshold != 200 || !st.MotionEnabled {
		t.Errorf("status %+v", st)
	}
}

func TestStalledCameraClosesEvents(t *testing.T) {
	h := newHarness(t, Options{})
	h.e.stallFor = 50 * time.Millisecond
	cam := testCamera("cam")
	cam.Record.PostRollS = 1
	h.e.Configure(cam)
	s := newScene(W, H, 8)
	h.feed("cam", 0, s.still(t))
	h.feed("cam", 1, s.frame(t, 0, block(100, 100, 60)))
	// No more keyframes: the camera went away. The event must not stay open.
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs := h.sink.list("")
		if len(evs) == 1 && !evs[0].Open() {
			if !evs[0].End.Equal(at(1)) {
				t.Fatalf("end %s, want %s", evs[0].End, at(1))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the event stayed open after the keyframes stopped: %+v", evs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st, _ := h.e.Status("cam"); st.MotionActive {
		t.Error("motion still active")
	}
}
