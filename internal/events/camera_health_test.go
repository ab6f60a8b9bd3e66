package events

import (
	"image"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// waitEvents waits until the sink holds want events of kind and returns them.
func (h *harness) waitEvents(kind string, want int, ok func([]store.Event) bool) []store.Event {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		evs := h.sink.list(kind)
		if len(evs) == want && (ok == nil || ok(evs)) {
			return evs
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("waited for %d %s events, have %+v", want, kind, evs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A camera that stops sending keyframes gets an offline event from its last keyframe; the event is
// published when it starts and ends at the first keyframe after the camera came back.
func TestOfflineEvent(t *testing.T) {
	h := newHarness(t, Options{OfflineAfter: 100 * time.Millisecond})
	sub, cancel := h.e.Subscribe(16)
	defer cancel()
	h.e.Configure(testCamera("cam"))
	s := newScene(W, H, 3)
	h.feed("cam", 0, s.still(t))
	h.feed("cam", 1, s.still(t))
	evs := h.waitEvents(store.EventOffline, 1, nil)
	if !evs[0].Start.Equal(at(1)) || !evs[0].Open() || !evs[0].HasSnapshot {
		t.Fatalf("offline event %+v: want open, from the last keyframe %s, with its picture", evs[0], at(1))
	}
	select {
	case ev := <-sub:
		if ev.Kind != store.EventOffline || !ev.Open() {
			t.Fatalf("first published event %+v, want the open offline event", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the offline event was not published")
	}
	h.feed("cam", 30, s.still(t))
	evs = h.waitEvents(store.EventOffline, 1, func(e []store.Event) bool { return !e[0].Open() })
	if !evs[0].End.Equal(at(30)) {
		t.Fatalf("offline ended %s, want the keyframe after the return %s", evs[0].End, at(30))
	}
	// A camera that never sent a keyframe is not offline (it is still starting, or its status says why).
	h.e.Configure(testCamera("new"))
	time.Sleep(300 * time.Millisecond) // three grace periods with no keyframe: must stay without an event
	for _, e := range h.sink.list(store.EventOffline) {
		if e.CameraID == "new" {
			t.Fatalf("a camera that never streamed got an offline event: %+v", e)
		}
	}
}

// TamperFrames nearly uniform keyframes start a tamper event; one with detail ends it; a single
// uniform keyframe does nothing.
func TestTamperEvent(t *testing.T) {
	h := newHarness(t, Options{})
	h.e.Configure(testCamera("cam"))
	s := newScene(W, H, 4)
	grey := image.NewGray(image.Rect(0, 0, W, H))
	for i := range grey.Pix {
		grey.Pix[i] = 40
	}
	flat := encode(t, grey)
	h.feed("cam", 0, s.still(t))
	h.feed("cam", 1, flat)
	h.feed("cam", 2, s.still(t))
	for i := range TamperFrames - 1 {
		h.feed("cam", float64(3+i), flat)
	}
	if evs := h.sink.list(store.EventTamper); len(evs) != 0 {
		t.Fatalf("tamper after %d uniform keyframes: %+v", TamperFrames-1, evs)
	}
	h.feed("cam", 10, flat)
	evs := h.waitEvents(store.EventTamper, 1, nil)
	if !evs[0].Start.Equal(at(10)) || !evs[0].Open() || evs[0].Score >= TamperStdDev {
		t.Fatalf("tamper event %+v", evs[0])
	}
	h.feed("cam", 11, flat)
	h.feed("cam", 12, s.still(t))
	evs = h.waitEvents(store.EventTamper, 1, func(e []store.Event) bool { return !e[0].Open() })
	if !evs[0].End.Equal(at(12)) {
		t.Fatalf("tamper ended %s, want %s", evs[0].End, at(12))
	}
}

func TestLumaStdDev(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range g.Pix {
		g.Pix[i] = uint8(100 + 20*(i%2)) // columns alternate: every 2nd pixel reads only the 100s
	}
	if sd, ok := lumaStdDev(g); !ok || sd != 0 {
		t.Fatalf("sampled stripes: %v %v", sd, ok)
	}
	for i := range g.Pix {
		g.Pix[i] = uint8(100 + 20*((i/2)%2))
	}
	if sd, ok := lumaStdDev(g); !ok || sd < 9.9 || sd > 10.1 {
		t.Fatalf("two levels 20 apart: std dev %v, want 10", sd)
	}
}
