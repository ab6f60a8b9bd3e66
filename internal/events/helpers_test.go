package events

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"math"
	"math/rand"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// t0 is the wall-clock time of the first synthetic keyframe.
var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// at is the time of the keyframe s seconds after t0.
func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// memSink keeps events in memory, like the store would.
type memSink struct {
	mu      sync.Mutex
	next    int64
	events  map[int64]store.Event
	snaps   map[int64][]byte
	creates int
	updates int
	hold    chan struct{} // when not nil, CreateEvent waits for it to close
	waiting atomic.Int32  // CreateEvent calls waiting on hold
}

func newMemSink() *memSink {
	return &memSink{events: map[int64]store.Event{}, snaps: map[int64][]byte{}}
}

func (s *memSink) CreateEvent(ctx context.Context, e *store.Event) error {
	if h := s.holdCh(); h != nil {
		s.waiting.Add(1)
		<-h
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	e.ID = s.next
	s.creates++
	s.save(e)
	return nil
}

func (s *memSink) holdCh() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hold
}

func (s *memSink) UpdateEvent(ctx context.Context, e *store.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates++
	s.save(e)
	return nil
}

func (s *memSink) save(e *store.Event) {
	c := *e
	c.Labels = slices.Clone(e.Labels)
	c.Boxes = slices.Clone(e.Boxes)
	if e.Snapshot != nil {
		s.snaps[e.ID] = e.Snapshot
		c.HasSnapshot = true
	}
	c.Snapshot = nil
	s.events[e.ID] = c
}

// list returns the events of a kind ("" = all) in the order they were created.
func (s *memSink) list(kind string) []store.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Event
	for _, e := range s.events {
		if kind == "" || e.Kind == kind {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b store.Event) int { return int(a.ID - b.ID) })
	return out
}

func (s *memSink) snapshot(id int64) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snaps[id]
}

type triggerCall struct {
	camera       string
	start, until time.Time
	reason       string
}

type fakeRecorder struct {
	mu    sync.Mutex
	calls []triggerCall
}

func (r *fakeRecorder) Trigger(cam string, start, until time.Time, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, triggerCall{cam, start, until, reason})
}

func (r *fakeRecorder) list() []triggerCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// harness runs an Engine for one test.
type harness struct {
	t    *testing.T
	e    *Engine
	sink *memSink
	rec  *fakeRecorder
	stop func()
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newHarness starts an engine with a memory sink and a recording recorder; opt's Store and
// Recorder are filled in when empty. The engine is stopped at the end of the test.
func newHarness(t *testing.T, opt Options) *harness {
	t.Helper()
	h := &harness{t: t, sink: newMemSink(), rec: &fakeRecorder{}}
	if opt.Store == nil {
		opt.Store = h.sink
	}
	if opt.Recorder == nil {
		opt.Recorder = h.rec
	}
	if opt.Log == nil {
		opt.Log = quietLog()
	}
	if opt.Now == nil {
		opt.Now = func() time.Time { return t0 }
	}
	if opt.OfflineAfter == 0 {
		// Keyframes come at the test's pace, not a camera's: a slow detector on a loaded machine must
		// not make offline events (TestOfflineEvent sets its own).
		opt.OfflineAfter = time.Hour
	}
	h.e = New(opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.e.Run(ctx) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("Run did not return 20 s after its context ended")
			}
		})
	}
	t.Cleanup(h.stop)
	return h
}

// settle waits until the camera has dealt with everything handed to it.
func (h *harness) settle(cam string) {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c := h.e.camera(cam)
		if c == nil || c.quiet() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("camera %s did not settle", cam)
		}
		time.Sleep(time.Millisecond)
	}
}

// feed hands a keyframe to the engine and waits until it (and any detection) was handled.
func (h *harness) feed(cam string, sec float64, jpg []byte) {
	h.t.Helper()
	h.e.Keyframe(&ipc.Keyframe{CameraID: cam, WallNS: at(sec).UnixNano(), JPEG: jpg})
	h.settle(cam)
}

// camera returns settings for a test camera: motion on, QR and detection off, post-roll 5 s.
func testCamera(id string) store.Camera {
	return store.Camera{ID: id, Name: id, URL: "demo://", Enabled: true, CameraSettings: store.CameraSettings{
		Record: store.RecordSettings{Mode: store.RecordEvents, PreRollS: 5, PostRollS: 5},
		Motion: store.MotionSettings{Enabled: true},
	}}
}

// scene makes synthetic keyframes: a fixed textured background with fresh sensor noise in
// every frame, plus whatever a frame draws on it.
type scene struct {
	w, h  int
	bg    []float64 // luma of the background
	rng   *rand.Rand
	noise float64   // standard deviation of the sensor noise
	unit  []float64 // standard normal samples; each frame reads them from a random offset
}

func newScene(w, h int, seed int64) *scene {
	s := &scene{w: w, h: h, bg: make([]float64, w*h), rng: rand.New(rand.NewSource(seed)), noise: 3, unit: make([]float64, 2*w*h)}
	for i := range s.unit {
		s.unit[i] = s.rng.NormFloat64()
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := 90 + 60*fy + 25*math.Sin(fx*31)*math.Cos(fy*17) + 10*math.Sin((fx+fy)*120)
			if (int(fx*13)+int(fy*7))%3 == 0 {
				v += 30
			}
			s.bg[y*w+x] = v
		}
	}
	return s
}

func clampByte(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

// image returns a frame: background + offset (a uniform brightness change) + noise, then
// paint applied (may be nil). Chroma is neutral.
func (s *scene) image(offset float64, paint func(img *image.YCbCr)) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, s.w, s.h), image.YCbCrSubsampleRatio420)
	noise := s.unit[s.rng.Intn(len(s.bg)):]
	for i, v := range s.bg {
		img.Y[i] = clampByte(v + offset + noise[i]*s.noise)
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128, 128
	}
	if paint != nil {
		paint(img)
	}
	return img
}

func encode(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// frame is an encoded frame of the scene.
func (s *scene) frame(t testing.TB, offset float64, paint func(img *image.YCbCr)) []byte {
	return encode(t, s.image(offset, paint))
}

// still is an encoded frame of the background alone.
func (s *scene) still(t testing.TB) []byte { return s.frame(t, 0, nil) }

// block paints a dark square of side size with its top-left corner at (x, y), in the
// coordinates of a 640-pixel-wide picture (scaled to the frame's width).
func block(x, y, size int) func(img *image.YCbCr) {
	return func(img *image.YCbCr) {
		f := float64(img.Rect.Dx()) / 640
		x0, y0, n := int(float64(x)*f), int(float64(y)*f), int(float64(size)*f)
		for yy := y0; yy < y0+n && yy < img.Rect.Dy(); yy++ {
			for xx := x0; xx < x0+n && xx < img.Rect.Dx(); xx++ {
				img.Y[yy*img.YStride+xx] = 20
			}
		}
	}
}

// within reports whether a and b are at most d apart.
func within(a, b time.Time, d time.Duration) bool {
	diff := a.Sub(b)
	return diff <= d && diff >= -d
}
