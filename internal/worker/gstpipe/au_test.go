package gstpipe

import (
	"bytes"
	"context"
	"github.com/nvrproject/nvr/pkg/testskip"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/internal/worker"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// clips caches the test cameras' streams for this test process.
var clips sync.Map // testcam.Clip → *testcam.Stream

func stream(t *testing.T, c testcam.Clip) *testcam.Stream {
	t.Helper()
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		testskip.Skip(t, "GStreamer is not installed", "run make setup")
	}
	if s, ok := clips.Load(c); ok {
		return s.(*testcam.Stream)
	}
	s, err := testcam.EncodeStream(filepath.Join("..", "..", "..", ".cache", "testclips"), c)
	if err != nil {
		t.Fatal(err)
	}
	clips.Store(c, s)
	return s
}

// runCamera runs the worker's pipeline against a test camera sending c until the TS file holds at least
// pictures video PES packets (or a generous deadline passes) and returns the TS and the keyframe frames.
func runCamera(t *testing.T, c testcam.Clip, startAt, pictures int) ([]byte, []worker.Frame) {
	t.Helper()
	s := stream(t, c)
	opt := s.Options(c.FPS)
	opt.StartAt = startAt
	cam, err := testcam.Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	out := filepath.Join(t.TempDir(), "out.ts")
	p, err := New(worker.Spec{URL: cam.URL(), FIFO: out})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var frames []worker.Frame
	done := make(chan error, 1)
	go func() {
		done <- p.Run(ctx, func(f worker.Frame) { mu.Lock(); frames = append(frames, f); mu.Unlock() })
	}()
	deadline := time.Now().Add(20 * time.Second)
	var ts []byte
	for {
		ts, _ = os.ReadFile(out)
		pes, _ := testcam.ReadVideoPES(ts)
		keys := 0
		for _, p := range pes {
			if p.RandomAccess {
				keys++
			}
		}
		mu.Lock()
		decoded := len(frames)
		mu.Unlock()
		// Every keyframe so far has gone through the keyframe branch too.
		if len(pes) >= pictures && decoded >= keys {
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("pipeline ended after %d video PES: %v", len(pes), err)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("within a minute: %d video PES (want %d), %d keyframes, %d decoded by the keyframe branch", len(pes), pictures, keys, decoded)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return ts, frames
}

// TestWorkerSendsWholeTimestampedAUs runs the worker's pipeline against cameras of each shape and checks
// the TS it writes to the FIFO: one whole picture per PES, PTS on each, decode times in order.
func TestWorkerSendsWholeTimestampedAUs(t *testing.T) {
	cases := []struct {
		name string
		clip testcam.Clip
		// bframes says most PES must carry a DTS before their PTS.
		bframes bool
		// startAt > 0: the camera's first packets after PLAY are this AU's, not a keyframe's.
		startAt int
	}{
		{"baseline", testcam.Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 25, BitrateKbps: 1000, Frames: 100}, false, 0},
		{"high-bframes", testcam.HighBFrames, true, 0},
		{"multi-slice", testcam.MultiSlice, false, 0},
		{"30fps-4s-gop", testcam.Thirty, true, 0},
		{"4k-5fps", testcam.UHD5, true, 0},
		{"starts-mid-gop", testcam.HighBFrames, true, 17},
		{"hevc-multi-slice", testcam.HEVCMultiSlice, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Enough for two keyframes after the first one whatever the join point.
			want := 3*tc.clip.KeyInt + 10
			ts, frames := runCamera(t, tc.clip, tc.startAt, want)
			pes, err := testcam.ReadVideoPES(ts)
			if err != nil {
				t.Fatal(err)
			}
			check := testcam.CheckAUs
			if tc.clip.H265 {
				check = testcam.CheckHEVCAUs
			}
			f, err := check(pes)
			t.Logf("%d PES: %+v", len(pes), f)
			if err != nil {
				t.Fatal(err)
			}
			// Presentation times are the camera's: one frame apart once sorted (leave out the first two,
			// which may share a timestamp, and the last eight, whose B-frames may not be written yet).
			frame := int64(90000 / tc.clip.FPS)
			// The largest step is logged, not checked: with B-frames a step of two or three frames
			// shows up now and then (not explained yet; see the issue 18 note).
			lo, hi := testcam.PresentationGaps(pes[2 : len(pes)-8])
			t.Logf("presentation steps %d..%d (90 kHz), frame %d", lo, hi, frame)
			if lo < frame/2 {
				t.Fatalf("two pictures are shown %d (90 kHz) apart, want about %d: the receiver bent the camera's timestamps", lo, frame)
			}
			if want := maxSlices(stream(t, tc.clip)); f.MaxSlices != want {
				t.Fatalf("pictures have up to %d slices, the camera sends %d", f.MaxSlices, want)
			}
			if tc.bframes && f.ExplicitDTS < len(pes)/2 {
				t.Fatalf("only %d of %d PES of a B-frame stream have a DTS before their PTS", f.ExplicitDTS, len(pes))
			}
			if !pes[0].RandomAccess {
				t.Fatal("the FIFO's first picture is not a keyframe")
			}
			if f.Keyframes < 2 {
				t.Fatalf("only %d keyframes", f.Keyframes)
			}
			checkKeyframes(t, frames, tc.clip, f.Keyframes)
		})
	}
}

// maxSlices returns the most slices a picture of s has.
func maxSlices(s *testcam.Stream) int {
	most := 0
	for _, au := range s.AUs {
		n := 0
		for _, nalu := range au {
			if testcam.IsSliceOf(nalu, s.H265) {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// checkKeyframes checks that the keyframe branch decoded whole pictures: no more JPEGs than keyframes
// (half an IDR is a "keyframe" of its own to the decoder), each the analysis picture of the camera's
// size (analysisSize) with the camera's size as FullWidth × FullHeight and no full picture (none was
// asked for), and that it kept up (runCamera waits until there are as many JPEGs as keyframes).
func checkKeyframes(t *testing.T, frames []worker.Frame, c testcam.Clip, keyframes int) {
	t.Helper()
	t.Logf("%d keyframe pictures for %d keyframes", len(frames), keyframes)
	if len(frames) > keyframes+1 {
		t.Fatalf("the keyframe branch gave %d pictures for %d keyframes", len(frames), keyframes)
	}
	for i, fr := range frames {
		img, err := jpeg.Decode(bytes.NewReader(fr.JPEG))
		if err != nil {
			t.Fatalf("keyframe %d: %v", i, err)
		}
		w, h := analysisSize(c.Width, c.Height)
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h || fr.Width != w || fr.Height != h {
			t.Fatalf("keyframe %d is %dx%d (says %dx%d), want the analysis size %dx%d of %dx%d", i, b.Dx(), b.Dy(), fr.Width, fr.Height, w, h, c.Width, c.Height)
		}
		if fr.FullWidth != c.Width || fr.FullHeight != c.Height || fr.Full != nil {
			t.Fatalf("keyframe %d: full size %dx%d with %d bytes of full picture, want %dx%d and none", i, fr.FullWidth, fr.FullHeight, len(fr.Full), c.Width, c.Height)
		}
	}
}

// analysisSize is the size the analysis picture of a w×h camera has: fitted into ipc.AnalysisWidth
// × ipc.AnalysisHeight with its aspect ratio, never enlarged.
func analysisSize(w, h int) (int, int) {
	f := min(1, float64(ipc.AnalysisWidth)/float64(w), float64(ipc.AnalysisHeight)/float64(h))
	return int(float64(w)*f + 0.5), int(float64(h)*f + 0.5)
}
