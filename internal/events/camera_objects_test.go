package events

import (
	"context"
	"image"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
)

// TestObjectSightingsStored: with the real store, an object event keeps one sighting for each
// keyframe its object was seen on, with the box it had there; none for a keyframe it was missed
// on; the last ones are written when the engine stops with the object still in view; and they go
// when the event is deleted.
func TestObjectSightingsStored(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dog := func(x float64) []frac { return []frac{{"dog", 0.7, [4]float64{x, 0.4, x + 0.2, 0.8}}} }
	// Seen on keyframes 1-3 and 5-12 (missed on 4, within post-roll: the same track), moving right.
	script := [][]frac{{}, dog(0.10), dog(0.12), dog(0.14), {}, dog(0.18), dog(0.20), dog(0.22), dog(0.24), dog(0.26), dog(0.28), dog(0.30), dog(0.32)}
	seen := []int{1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12}
	det := &fakeDetector{script: script}
	h := newHarness(t, Options{Detector: det, Store: db})
	cam := detectCamera("cam")
	cam.Record.PostRollS = 3
	h.e.Configure(cam)
	jpg := grey(t, 320, 180)
	for i := range script {
		h.feed("cam", float64(i), jpg)
	}
	h.stop() // the dog is still in view: its event ends, and its last sightings are written
	ctx := context.Background()
	evs, err := db.ListEvents(ctx, store.EventFilter{Kind: store.EventObject})
	if err != nil || len(evs) != 1 {
		t.Fatalf("object events %+v %v, want one", evs, err)
	}
	got, err := db.EventSightings(ctx, evs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(seen) {
		t.Fatalf("%d sightings, want %d (one per keyframe the dog was seen on): %+v", len(got), len(seen), got)
	}
	for i, k := range seen {
		g := got[i]
		if !g.T.Equal(at(float64(k))) || g.Label != "dog" || !approx(g.Box[0], script[k][0].box[0]) || !approx(g.Box[3], 0.8) || !approx(g.Score, 0.7) {
			t.Errorf("sighting %d: %+v, want the dog at keyframe %d (x %.2f)", i, g, k, script[k][0].box[0])
		}
	}
	if err := db.DeleteEvent(ctx, evs[0].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.EventSightings(ctx, evs[0].ID); len(got) != 0 {
		t.Errorf("%d sightings left after the event was deleted", len(got))
	}
}

// TestSightingsBounded: one sighting per keyframe time, and no more than store.MaxSightings.
func TestSightingsBounded(t *testing.T) {
	oe := &objectEvent{ev: &Event{}}
	o := object{label: "car", score: 0.8, box: [4]float64{0.1, 0.1, 0.3, 0.3}}
	oe.sight(at(0), o)
	oe.sight(at(0), o) // the same keyframe again
	if len(oe.sightings) != 1 {
		t.Fatalf("%d sightings for one keyframe", len(oe.sightings))
	}
	for i := 1; i < 3*store.MaxSightings; i++ {
		oe.sight(at(float64(i)*2), o)
	}
	if oe.sighted != store.MaxSightings || len(oe.sightings) != store.MaxSightings {
		t.Fatalf("%d sightings kept (%d pending) after %d keyframes, want the cap %d", oe.sighted, len(oe.sightings), 3*store.MaxSightings, store.MaxSightings)
	}
	if last := oe.sightings[len(oe.sightings)-1].T; !last.Equal(at(float64(store.MaxSightings-1) * 2)) {
		t.Errorf("last kept sighting at %v: the first ones are kept", last.Sub(t0))
	}
}

// TestRealDetectorSightingsFollowTheDog: with YOLOX on ONNX Runtime and the real store, a dog that
// walks 80 px a keyframe makes one object event whose sightings, one per keyframe, move with it.
func TestRealDetectorSightingsFollowTheDog(t *testing.T) {
	det := realDetector(t)
	dog := dogImage(t)
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := newHarness(t, Options{Detector: det, Store: db})
	cam := detectCamera("yard")
	cam.Record.PostRollS = 3
	h.e.Configure(cam)
	s := newScene(1280, 720, 33)
	crop := dog.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(60, 100, 400, 576))
	const steps = 4               // at 180..420 px (at 100 and at 500 px the detector does not find this crop)
	h.feed("yard", 0, s.still(t)) // no dog yet
	for i := 0; i < steps; i++ {
		x := 180 + 80*i
		h.feed("yard", float64(i+1), s.frame(t, 0, withPicture(crop, image.Rect(x, 100, x+425, 695))))
	}
	h.stop()
	ctx := context.Background()
	evs, err := db.ListEvents(ctx, store.EventFilter{Kind: store.EventObject, Label: "dog"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("dog events %+v %v, want one", evs, err)
	}
	ss, err := db.EventSightings(ctx, evs[0].ID)
	if err != nil || len(ss) != steps {
		t.Fatalf("%d sightings (%v), want %d, one per keyframe: %+v", len(ss), err, steps, ss)
	}
	for i := 1; i < steps; i++ {
		dx := ss[i].Box[0] - ss[i-1].Box[0]
		if !ss[i].T.Equal(at(float64(i+1))) || dx < 0.03 || dx > 0.1 {
			t.Errorf("sighting %d at %s, x1 %.3f after %.3f (the dog moved 80 px = 0.0625 of the width)", i, ss[i].T.Sub(t0), ss[i].Box[0], ss[i-1].Box[0])
		}
	}
	t.Logf("x1 of the sightings: %.3f %.3f %.3f %.3f", ss[0].Box[0], ss[1].Box[0], ss[2].Box[0], ss[3].Box[0])
}
