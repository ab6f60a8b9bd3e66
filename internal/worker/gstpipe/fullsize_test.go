package gstpipe

import (
	"bytes"
	"context"
	"image/jpeg"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/internal/worker"
)

// TestWorkerFullSizeOnRequest runs the worker's pipeline against a 1280×720 camera: every keyframe
// comes at the analysis size (640×360) only; after WantFull(next) exactly the next one also comes at
// 1280×720 (the same picture: same PTS), after WantFull(full) every one does, and after
// WantFull(false) none.
func TestWorkerFullSizeOnRequest(t *testing.T) {
	clip := testcam.Clip{Width: 1280, Height: 720, FPS: 25, KeyInt: 5, BitrateKbps: 1500, Frames: 100}
	s := stream(t, clip)
	cam, err := testcam.Start(s.Options(clip.FPS))
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	pl, err := New(worker.Spec{URL: cam.URL(), FIFO: filepath.Join(t.TempDir(), "out.ts")})
	if err != nil {
		t.Fatal(err)
	}
	fs, ok := pl.(worker.FullSizer)
	if !ok {
		t.Fatal("the GStreamer pipeline is not a worker.FullSizer")
	}
	frames := make(chan worker.Frame, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pl.Run(ctx, func(f worker.Frame) { frames <- f }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("pipeline: %v", err)
		}
	}()
	next := func() worker.Frame {
		t.Helper()
		select {
		case f := <-frames:
			img, err := jpeg.Decode(bytes.NewReader(f.JPEG))
			if err != nil {
				t.Fatalf("analysis JPEG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 360 || f.Width != 640 || f.Height != 360 {
				t.Fatalf("analysis picture %dx%d (says %dx%d), want 640x360", b.Dx(), b.Dy(), f.Width, f.Height)
			}
			if f.FullWidth != 1280 || f.FullHeight != 720 {
				t.Fatalf("full size says %dx%d, want 1280x720", f.FullWidth, f.FullHeight)
			}
			if f.Full != nil {
				img, err := jpeg.Decode(bytes.NewReader(f.Full))
				if err != nil {
					t.Fatalf("full JPEG: %v", err)
				}
				if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 720 {
					t.Fatalf("full picture %dx%d, want 1280x720", b.Dx(), b.Dy())
				}
			}
			return f
		case err := <-done:
			t.Fatalf("pipeline ended: %v", err)
		case <-time.After(20 * time.Second):
			t.Fatal("no keyframe within 20 s")
		}
		return worker.Frame{}
	}
	for i := 0; i < 3; i++ {
		if f := next(); f.Full != nil {
			t.Fatalf("keyframe %d came at full size unasked", i)
		}
	}
	// drain forgets the keyframes made before a request (a loaded machine lets a few queue here);
	// one more may still be on its way in the pipeline when the request is made.
	drain := func() {
		for {
			select {
			case <-frames:
			default:
				return
			}
		}
	}
	// Asked between two keyframes (the pipeline runs on: a keyframe may be on its way), the next
	// one or the one after comes at full size, and only that one.
	drain()
	fs.WantFull(false, true)
	got := -1
	for i := 0; i < 5; i++ {
		if f := next(); f.Full != nil {
			if got >= 0 {
				t.Fatalf("keyframes %d and %d came at full size for one request", got, i)
			}
			got = i
		}
	}
	if got < 0 || got > 1 {
		t.Fatalf("the full-size keyframe asked for came as keyframe %d after the request, want 0 or 1", got)
	}
	drain()
	fs.WantFull(true, false)
	next() // one may have been on its way
	for i := 0; i < 3; i++ {
		if f := next(); f.Full == nil {
			t.Fatalf("keyframe %d with full size on came without it", i)
		}
	}
	drain()
	fs.WantFull(false, false)
	next()
	for i := 0; i < 3; i++ {
		if f := next(); f.Full != nil {
			t.Fatalf("keyframe %d with full size off came with it", i)
		}
	}
}

// TestPairFullAndAnalysis: the two pictures of a keyframe meet in one frame whichever comes first, a
// full picture that never comes does not hold the analysis frame past the next one, and a keyframe not
// admitted passes at once.
func TestPairFullAndAnalysis(t *testing.T) {
	var fs fullSize
	var out []worker.Frame
	emit := fs.pairWith(func(f worker.Frame) { out = append(out, f) })
	onFull := func(pts time.Duration) {
		fs.onFull(pts, []byte{byte(pts)}, func(f worker.Frame) { out = append(out, f) })
	}

	if fs.admit(1) {
		t.Fatal("admitted without a request")
	}
	emit(worker.Frame{PTS: 1})
	fs.next.Store(true)
	if !fs.admit(2) || fs.admit(3) {
		t.Fatal("next must admit exactly one keyframe")
	}
	onFull(2) // full first (the tee's order)
	emit(worker.Frame{PTS: 2})
	emit(worker.Frame{PTS: 3})
	fs.full.Store(true)
	fs.admit(4)
	emit(worker.Frame{PTS: 4}) // analysis first: it waits
	if len(out) != 3 {
		t.Fatalf("%d frames out before the full picture of 4, want 3", len(out))
	}
	onFull(4)
	fs.admit(5)
	emit(worker.Frame{PTS: 5}) // its full picture never comes (dropped)
	fs.admit(6)
	emit(worker.Frame{PTS: 6}) // sends 5 without it, and 6 waits
	onFull(6)
	want := []struct {
		pts  time.Duration
		full bool
	}{{1, false}, {2, true}, {3, false}, {4, true}, {5, false}, {6, true}}
	if len(out) != len(want) {
		t.Fatalf("%d frames out, want %d: %+v", len(out), len(want), out)
	}
	for i, w := range want {
		if out[i].PTS != w.pts || (out[i].Full != nil) != w.full || (w.full && out[i].Full[0] != byte(w.pts)) {
			t.Fatalf("frame %d: pts %v full %v, want pts %v full %v", i, out[i].PTS, out[i].Full, w.pts, w.full)
		}
	}
}
