package events

import (
	"testing"
	"time"
)

// sec is the time s seconds after t0.
func sec(s float64) time.Time { return at(s) }

// machineFeed steps m once per second from start with the given scores (≥ 1 is motion) and
// returns the decisions, frame i being i.
func machineFeed(m *motionMachine[int], start float64, scores ...float64) []motionDecision[int] {
	out := make([]motionDecision[int], len(scores))
	for i, s := range scores {
		out[i] = m.step(sec(start+float64(i)), s, s >= 1, int(start)+i)
	}
	return out
}

func TestMotionMachineOpensAfterMinFramesAtTheFirst(t *testing.T) {
	var m motionMachine[int]
	m.setParams(3, 5*time.Second)
	ds := machineFeed(&m, 0, 0, 2, 5, 0, 2, 7, 3)
	for i, d := range ds[:6] {
		if d.Opened || d.Extended || d.Closed {
			t.Fatalf("keyframe %d decided %+v before 3 keyframes in a row had motion", i, d)
		}
	}
	d := ds[6]
	if !d.Opened || !d.Start.Equal(sec(4)) || !d.Last.Equal(sec(6)) || d.Peak != 7 || d.PeakFrame != 5 || !d.NewPeak {
		t.Fatalf("opening %+v: want start 4 s (the run's first), last 6 s, peak 7 of frame 5", d)
	}
	if !m.isOpen() {
		t.Fatal("the machine does not say the event is open")
	}
}

func TestMotionMachineExtendsAndClosesAfterPostRoll(t *testing.T) {
	var m motionMachine[int]
	m.setParams(1, 5*time.Second)
	ds := machineFeed(&m, 0, 3, 2, 9, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0)
	if !ds[0].Opened || ds[0].Peak != 3 {
		t.Fatalf("first keyframe %+v", ds[0])
	}
	if d := ds[1]; !d.Extended || d.NewPeak || d.Peak != 3 || !d.Last.Equal(sec(1)) {
		t.Errorf("a lower score %+v: extended, same peak", d)
	}
	if d := ds[2]; !d.Extended || !d.NewPeak || d.Peak != 9 || d.PeakFrame != 2 {
		t.Errorf("a higher score %+v: a new peak at frame 2", d)
	}
	for i := 3; i <= 6; i++ { // quiet for less than post-roll: nothing
		if d := ds[i]; d.Opened || d.Extended || d.Closed {
			t.Errorf("keyframe %d within post-roll decided %+v", i, d)
		}
	}
	if d := ds[7]; !d.Extended || !d.Last.Equal(sec(7)) { // motion within post-roll: the same event
		t.Errorf("motion again within post-roll %+v", d)
	}
	closedAt := -1
	for i := 8; i < len(ds); i++ {
		if ds[i].Closed {
			closedAt = i
			if !ds[i].Last.Equal(sec(7)) || !ds[i].Start.Equal(sec(0)) || ds[i].Peak != 9 || ds[i].PeakFrame != 2 {
				t.Errorf("closing %+v: want start 0, end at the last motion (7 s), peak 9 of frame 2", ds[i])
			}
		}
	}
	if closedAt != 12 { // 7 s + 5 s
		t.Fatalf("closed at keyframe %d, want 12 (post-roll after the last motion)", closedAt)
	}
	if m.isOpen() {
		t.Fatal("still open after closing")
	}
}

func TestMotionMachineRunBreaksAndForcedClose(t *testing.T) {
	var m motionMachine[int]
	m.setParams(2, 5*time.Second)
	machineFeed(&m, 0, 5)
	if !m.opensWithNext() {
		t.Fatal("after one keyframe with motion and min_frames 2, the next one would open")
	}
	machineFeed(&m, 1, 0) // the run breaks
	if m.opensWithNext() {
		t.Fatal("a broken run still counts")
	}
	if d := m.close(); d.Closed {
		t.Fatalf("close without an open event %+v", d)
	}
	ds := machineFeed(&m, 2, 4, 6)
	if !ds[1].Opened || !ds[1].Start.Equal(sec(2)) || ds[1].Peak != 6 {
		t.Fatalf("%+v", ds[1])
	}
	d := m.close()
	if !d.Closed || !d.Last.Equal(sec(3)) || m.isOpen() || m.opensWithNext() {
		t.Fatalf("forced close %+v (open %v)", d, m.isOpen())
	}
	// After a forced close the run starts again from nothing.
	if ds := machineFeed(&m, 4, 8); ds[0].Opened {
		t.Fatal("one keyframe opened an event with min_frames 2 after a close")
	}
}

func TestMotionMachineNewParamsKeepTheOpenEvent(t *testing.T) {
	var m motionMachine[int]
	m.setParams(1, 2*time.Second)
	machineFeed(&m, 0, 5)
	m.setParams(3, 10*time.Second)
	ds := machineFeed(&m, 1, 0, 0, 0)
	for _, d := range ds {
		if d.Closed {
			t.Fatalf("closed after %v with a post-roll of 10 s", d.Last)
		}
	}
	if !m.isOpen() {
		t.Fatal("the open event was lost when the settings changed")
	}
}
