package events

import (
	"bytes"
	"sync"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// fakePictures records what the engine asks of the workers.
type fakePictures struct {
	mu   sync.Mutex
	all  map[string][]bool // every WantFull, in order
	next map[string]int    // NextFull calls
}

func (f *fakePictures) WantFull(cam string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all[cam] = append(f.all[cam], on)
}

func (f *fakePictures) NextFull(cam string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next[cam]++
}

func (f *fakePictures) state(cam string) (all []bool, next int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.all[cam]...), f.next[cam]
}

// TestEventsAskForFullSizePictures: a camera with motion asks for no full-size keyframe while nothing
// happens, asks for the next one when a motion event opens (its first keyframe is only the analysis
// size) and again at most every fullEvery while it goes on; the event's picture is the full-size
// keyframe once one came, even against a later analysis-size one with more motion; turning QR
// reading on asks for every keyframe at full size, and the QR reader reads the full-size picture.
func TestEventsAskForFullSizePictures(t *testing.T) {
	pics := &fakePictures{all: map[string][]bool{}, next: map[string]int{}}
	h := newHarness(t, Options{Pictures: pics})
	h.e.Configure(testCamera("cam"))
	small := newScene(W, H, 1)
	big := newScene(2*W, 2*H, 2)
	// An analysis-size keyframe of a 2W×2H camera, and one that came with its full-size picture.
	feed := func(sec float64, jpg, full []byte) {
		t.Helper()
		h.e.Keyframe(&ipc.Keyframe{CameraID: "cam", WallNS: at(sec).UnixNano(), JPEG: jpg, Width: W, Height: H,
			Full: full, FullWidth: 2 * W, FullHeight: 2 * H})
		h.settle("cam")
	}
	for i := 0; i < 10; i++ {
		feed(float64(i), small.still(t), nil)
	}
	if all, next := pics.state("cam"); len(all) != 1 || all[0] || next != 0 {
		t.Fatalf("a still camera asked WantFull %v and NextFull %d times, want [false] and 0", all, next)
	}
	feed(10, small.frame(t, 0, block(100, 150, 60)), nil) // opens the event
	if _, next := pics.state("cam"); next != 1 {
		t.Fatalf("NextFull asked %d times when the event opened, want 1", next)
	}
	fullPic := big.frame(t, 0, block(260, 150, 60))
	feed(11, small.frame(t, 0, block(160, 150, 60)), fullPic)
	feed(12, small.frame(t, 0, block(400, 150, 120)), nil) // more motion, analysis size only
	if _, next := pics.state("cam"); next != 1 {
		t.Fatalf("NextFull asked %d times within %s of the event's start, want 1", next, fullEvery)
	}
	feed(13, small.frame(t, 0, block(100, 150, 60)), nil)
	if _, next := pics.state("cam"); next != 2 {
		t.Fatalf("NextFull asked %d times %s after the first, want 2", next, fullEvery)
	}
	for i := 14; i < 25; i++ {
		feed(float64(i), small.frame(t, 0, block(100, 150, 60)), nil)
	}
	evs := h.sink.list(store.EventMotion)
	if len(evs) != 1 || evs[0].Open() {
		t.Fatalf("motion events %+v, want one ended", evs)
	}
	if got := h.sink.snapshot(evs[0].ID); !bytes.Equal(got, fullPic) {
		t.Fatalf("the event's picture is %d bytes, not the full-size keyframe's %d", len(got), len(fullPic))
	}

	cam := testCamera("cam")
	cam.QR.Enabled = true
	h.e.Configure(cam)
	const text = "full-size-only"
	qrFull := big.frame(t, 0, pasteQR(t, text, 2*W/2, 2*H/2, 4, 0))
	feed(30, small.still(t), qrFull)
	if all, _ := pics.state("cam"); len(all) == 0 || !all[len(all)-1] {
		t.Fatalf("with QR reading on the camera asked WantFull %v, want true last", all)
	}
	qrs := h.sink.list(store.EventQR)
	if len(qrs) != 1 || qrs[0].Text != text || !bytes.Equal(h.sink.snapshot(qrs[0].ID), qrFull) {
		t.Fatalf("QR events %+v, want one reading %q from the full-size picture, with it as its picture", qrs, text)
	}
}
