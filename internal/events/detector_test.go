package events

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	xdraw "golang.org/x/image/draw"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/detect"
	"github.com/nvrproject/nvr/pkg/ipc"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// sharedDir is the shared test material beside the repository checkout.
const sharedDir = "../../../shared"

var (
	realOnce sync.Once
	realDet  *detect.Detector
	realErr  error
)

// realDetector opens YOLOX-Nano from shared/models once per test run, or skips the test when
// the model or ONNX Runtime is missing (run `make setup`, or point NVR_ONNXRUNTIME_LIB at
// libonnxruntime.so).
func realDetector(t *testing.T) *detect.Detector {
	t.Helper()
	model := filepath.Join(sharedDir, "models", "yolox_nano.onnx")
	if _, err := os.Stat(model); err != nil {
		testskip.Skip(t, fmt.Sprintf("the model %s is not there: %v", model, err), "put the shared/ directory beside the repository (../shared)")
	}
	realOnce.Do(func() {
		lib := os.Getenv(detect.LibraryEnv)
		if lib == "" {
			if p, err := filepath.Abs("../../lib/libonnxruntime.so.1"); err == nil {
				if _, err := os.Stat(p); err == nil {
					lib = p
				}
			}
		}
		realDet, realErr = detect.Open(detect.Options{ModelPath: model, LibraryPath: lib})
	})
	if errors.Is(realErr, detect.ErrUnavailable) {
		testskip.Skip(t, realErr.Error(), "run make setup, or set "+detect.LibraryEnv)
	}
	if realErr != nil {
		t.Fatalf("opening the detector: %v", realErr)
	}
	return realDet
}

// dogImage loads shared/testdata/images/dog.jpg, or skips the test.
func dogImage(t *testing.T) image.Image {
	t.Helper()
	p := filepath.Join(sharedDir, "testdata", "images", "dog.jpg")
	b, err := os.ReadFile(p)
	if err != nil {
		testskip.Skip(t, err.Error(), "put the shared/ directory beside the repository (../shared)")
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// withPicture returns a paint function that scales pic into the rectangle r of the frame.
func withPicture(pic image.Image, r image.Rectangle) func(img *image.YCbCr) {
	return func(img *image.YCbCr) {
		rgba := image.NewRGBA(r)
		xdraw.ApproxBiLinear.Scale(rgba, r, pic, pic.Bounds(), xdraw.Src, nil)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if x < 0 || y < 0 || x >= img.Rect.Dx() || y >= img.Rect.Dy() {
					continue
				}
				p := rgba.Pix[rgba.PixOffset(x, y):]
				yy := (19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16
				img.Y[y*img.YStride+x] = uint8(yy)
			}
		}
	}
}

func TestRealDetectorFindsTheDog(t *testing.T) {
	det := realDetector(t)
	dog := dogImage(t)
	h := newHarness(t, Options{Detector: det})
	cam := testCamera("yard")
	cam.Detect = store.DetectSettings{Enabled: true} // every default: idle interval 15 s
	h.e.Configure(cam)

	s := newScene(1280, 720, 30)
	still := [][]byte{s.still(t), s.still(t)}
	dogFrame := withPicture(dog, image.Rect(160, 0, 1120, 720)) // 768×576 is 4:3: 960×720
	dogs := [][]byte{s.frame(t, 0, dogFrame), s.frame(t, 0, dogFrame)}

	start := time.Now()
	for i := 0; i < 5; i++ {
		h.feed("yard", float64(i), still[i%2])
	}
	for i := 5; i < 25; i++ {
		h.feed("yard", float64(i), dogs[i%2])
	}
	for i := 25; i < 40; i++ {
		h.feed("yard", float64(i), still[i%2])
	}
	st, _ := h.e.Status("yard")
	t.Logf("40 keyframes (1280×720) in %v; %d detections", time.Since(start).Round(time.Millisecond), st.Detections)

	evs := h.sink.list(store.EventObject)
	var dogEv *store.Event
	for i, e := range evs {
		t.Logf("object event: %s %.2f %s..%s boxes %v", e.Labels[0], e.Score, e.Start.Sub(t0), e.End.Sub(t0), e.Boxes[0].Box)
		if !slices.Contains(store.DefaultDetectLabels, e.Labels[0]) {
			t.Errorf("an event for %q, which is not a default label", e.Labels[0])
		}
		if e.Labels[0] == "dog" && dogEv == nil {
			dogEv = &evs[i]
		}
		if e.Open() {
			t.Errorf("the %s event is still open after the dog left", e.Labels[0])
		}
	}
	if dogEv == nil {
		t.Fatalf("no dog event among %d object events", len(evs))
	}
	if dogEv.Start.Before(at(5)) || dogEv.Start.After(at(20)) || dogEv.End.After(at(24)) || dogEv.Score < 0.5 {
		t.Errorf("dog event %+v", *dogEv)
	}
	// The dog stands in the left half of the picture (dog.jpg's dog is at the bottom left).
	if b := dogEv.Boxes[0].Box; b[0] > 0.5 || b[3] < 0.6 {
		t.Errorf("dog box %v", b)
	}
	snap, err := jpeg.Decode(bytes.NewReader(h.sink.snapshot(dogEv.ID)))
	if err != nil || snap.Bounds().Dx() != 1280 || snap.Bounds().Dy() != 720 {
		t.Fatalf("snapshot: %v", err)
	}
	if st.DetectError != "" || !st.DetectAvailable {
		t.Errorf("status %+v", st)
	}
}

func TestRealDetectorRecordOnObjects(t *testing.T) {
	det := realDetector(t)
	dog := dogImage(t)
	h := newHarness(t, Options{Detector: det})
	cam := testCamera("yard")
	cam.Record.PostRollS = 3
	cam.Detect = store.DetectSettings{Enabled: true, RecordOn: store.RecordOnObjects, IdleIntervalS: 3600}
	h.e.Configure(cam)
	s := newScene(1280, 720, 31)

	// A grey block moves (t = 2..4): motion, but nothing the detector knows.
	h.feed("yard", 0, s.still(t))
	h.feed("yard", 1, s.still(t))
	for i := 2; i < 5; i++ {
		h.feed("yard", float64(i), s.frame(t, 0, block(100+80*(i-2), 200, 120)))
	}
	for i := 5; i < 10; i++ {
		h.feed("yard", float64(i), s.frame(t, 0, block(100+80*2, 200, 120)))
	}
	if calls := h.rec.list(); len(calls) != 0 {
		t.Fatalf("motion without a listed object triggered the recorder: %+v", calls)
	}
	// The dog walks in (t = 10..13): the part of dog.jpg around the dog, as large as in the
	// previous test, moving 80 px a keyframe.
	crop := dog.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(60, 100, 400, 576))
	dogAt := func(x int) func(img *image.YCbCr) { return withPicture(crop, image.Rect(x, 100, x+425, 695)) }
	for i := 10; i < 14; i++ {
		h.feed("yard", float64(i), s.frame(t, 0, dogAt(100+80*(i-10))))
	}
	for i := 14; i < 20; i++ {
		h.feed("yard", float64(i), s.frame(t, 0, dogAt(100+80*3)))
	}
	motions := h.sink.list(store.EventMotion)
	if len(motions) != 2 {
		t.Fatalf("motion events %+v", motions)
	}
	if len(motions[0].Labels) != 0 {
		t.Errorf("the block's motion event has labels %v", motions[0].Labels)
	}
	if !slices.Contains(motions[1].Labels, "dog") {
		t.Fatalf("the dog's motion event has labels %v", motions[1].Labels)
	}
	calls := h.rec.list()
	if len(calls) == 0 {
		t.Fatal("the dog's motion did not trigger the recorder")
	}
	if !calls[0].start.Equal(motions[1].Start) || !motions[1].Start.Equal(at(10)) {
		t.Fatalf("first trigger %+v, want it to start at the motion's start %s", calls[0], motions[1].Start)
	}
	t.Logf("%d triggers, the first %s..%s; motion labels %v", len(calls), calls[0].start.Sub(t0), calls[0].until.Sub(t0), motions[1].Labels)
}

// BenchmarkRealDetectorKeyframe measures one detection of a 1280×720 keyframe through the
// scheduler path (decode + detect).
func BenchmarkRealDetectorKeyframe(b *testing.B) {
	model := filepath.Join(sharedDir, "models", "yolox_nano.onnx")
	if _, err := os.Stat(model); err != nil {
		testskip.Skip(b, err.Error(), "put the shared/ directory beside the repository (../shared)")
	}
	lib, _ := filepath.Abs("../../lib/libonnxruntime.so.1")
	if env := os.Getenv(detect.LibraryEnv); env != "" {
		lib = env
	}
	d, err := detect.Open(detect.Options{ModelPath: model, LibraryPath: lib})
	if err != nil {
		testskip.Skip(b, err.Error(), "run make setup, or set "+detect.LibraryEnv)
	}
	defer d.Close()
	s := newScene(1280, 720, 32)
	jpg := encode(b, s.image(0, nil))
	sc := newScheduler(d, 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := sc.detect(&detectReq{frame: newKeyframeImage(&ipc.Keyframe{JPEG: jpg})})
		if r.err != nil {
			b.Fatal(r.err)
		}
		r.frame.release() // as the camera does once it handled the result
	}
}

// BenchmarkDrawSnapshot measures drawing two boxes on a 1920×1080 keyframe and encoding it.
func BenchmarkDrawSnapshot(b *testing.B) {
	s := newScene(1920, 1080, 33)
	img := s.image(0, nil)
	objs := []object{{"person", 0.9, [4]float64{0.1, 0.2, 0.3, 0.9}}, {"dog", 0.7, [4]float64{0.5, 0.5, 0.7, 0.8}}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := drawSnapshot(img, objs); err != nil {
			b.Fatal(err)
		}
	}
}
