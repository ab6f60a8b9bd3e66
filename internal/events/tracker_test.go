package events

import (
	"testing"
	"time"
)

func box(x0, y0, x1, y1 float64) [4]float64 { return [4]float64{x0, y0, x1, y1} }

func TestTrackerMatchesBySameLabelAndOverlap(t *testing.T) {
	var tr tracker[string]
	a := tr.add(sec(0), object{"dog", 0.8, box(0.1, 0.1, 0.3, 0.3)}, "dog A")
	b := tr.add(sec(0), object{"person", 0.9, box(0.5, 0.1, 0.6, 0.9)}, "person B")

	obs := tr.observe(sec(1), []object{
		{"dog", 0.7, box(0.12, 0.1, 0.32, 0.3)},    // dog A, moved a little
		{"cat", 0.9, box(0.5, 0.1, 0.6, 0.9)},      // on the person's box, but not a person
		{"dog", 0.9, box(0.8, 0.8, 0.9, 0.9)},      // a new dog, far away
		{"person", 0.9, box(0.51, 0.1, 0.61, 0.9)}, // person B
	}, 5*time.Second)
	want := []*track[string]{a, nil, nil, b}
	for i := range want {
		if obs.seen[i] != want[i] {
			t.Errorf("detection %d continues %v, want %v", i, obs.seen[i], want[i])
		}
	}
	if a.box != box(0.12, 0.1, 0.32, 0.3) || !a.last.Equal(sec(1)) {
		t.Errorf("dog A not moved: %+v", a)
	}
	if len(obs.ended) != 0 || tr.len() != 2 {
		t.Errorf("ended %v, tracking %d", obs.ended, tr.len())
	}
}

func TestTrackerPairsBestOverlapsFirst(t *testing.T) {
	var tr tracker[int]
	k1 := tr.add(sec(0), object{"car", 1, box(0.0, 0, 0.4, 1)}, 1)
	k2 := tr.add(sec(0), object{"car", 1, box(0.3, 0, 0.7, 1)}, 2)
	// Both detections could continue k2 (IoU 0.45 and 0.90); detection 1 overlaps k1 too
	// little (0.18). Best overlap first: detection 1 takes k2 although detection 0 comes
	// first in the list, so detection 0 is new, and k1 is not seen.
	obs := tr.observe(sec(1), []object{
		{"car", 1, box(0.45, 0, 0.85, 1)},
		{"car", 1, box(0.28, 0, 0.68, 1)},
	}, time.Hour)
	if obs.seen[0] != nil || obs.seen[1] != k2 {
		t.Fatalf("seen %v %v, want new then k2", obs.seen[0], obs.seen[1])
	}
	if k1.last != sec(0) {
		t.Error("the track nobody matched was moved")
	}
	// Overlap below sameObjectIoU is another object.
	obs = tr.observe(sec(2), []object{{"car", 1, box(0.0, 0, 0.1, 1)}}, time.Hour)
	if obs.seen[0] != nil {
		t.Errorf("an IoU of 0.25 matched %v", obs.seen[0])
	}
}

func TestTrackerExpiresUnseenTracks(t *testing.T) {
	var tr tracker[string]
	tr.add(sec(0), object{"dog", 1, box(0, 0, 0.1, 0.1)}, "old")
	tr.add(sec(2), object{"cat", 1, box(0.5, 0.5, 0.6, 0.6)}, "newer")
	kept := tr.add(sec(0), object{"car", 1, box(0.2, 0.2, 0.4, 0.4)}, "seen")

	// At 3 s with expiry 3 s: the dog (last 0 s) ends; the car is seen, so it stays
	// although it was last seen at 0 s too; the cat (2 s) stays.
	obs := tr.observe(sec(3), []object{{"car", 1, box(0.2, 0.2, 0.4, 0.4)}}, 3*time.Second)
	if len(obs.ended) != 1 || obs.ended[0].data != "old" || !obs.ended[0].last.Equal(sec(0)) {
		t.Fatalf("ended %+v, want the dog, last seen at 0 s", obs.ended)
	}
	if obs.seen[0] != kept || tr.len() != 2 {
		t.Fatalf("seen %v, tracking %d", obs.seen[0], tr.len())
	}
	// expire without a detection run: newest first.
	ended := tr.expire(sec(10), 3*time.Second)
	if len(ended) != 2 || ended[0].data != "seen" || ended[1].data != "newer" || tr.len() != 0 {
		t.Fatalf("expired %v", ended)
	}
	// clear: oldest first.
	tr.add(sec(20), object{"a", 1, box(0, 0, 1, 1)}, "first")
	tr.add(sec(21), object{"b", 1, box(0, 0, 1, 1)}, "second")
	all := tr.clear()
	if len(all) != 2 || all[0].data != "first" || all[1].data != "second" || tr.len() != 0 {
		t.Fatalf("cleared %v", all)
	}
}
