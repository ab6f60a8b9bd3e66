package events

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/detect"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// fakeDetector stands in for the detector where the tests are about scheduling and tracking.
type fakeDetector struct {
	mu     sync.Mutex
	calls  int
	widths []int         // the width of every picture it was given
	delay  time.Duration // how long a detection takes
	gate   chan struct{} // when not nil, every detection waits for it to close
	script [][]frac      // detections for call i (boxes in fractions); past the end: none
	err    error
}

// frac is a detection with its box in fractions of the picture.
type frac struct {
	label string
	score float64
	box   [4]float64
}

func (d *fakeDetector) Detect(img image.Image) ([]detect.Detection, error) {
	d.mu.Lock()
	i := d.calls
	d.calls++
	d.widths = append(d.widths, img.Bounds().Dx())
	delay, err, gate := d.delay, d.err, d.gate
	var script []frac
	if i < len(d.script) {
		script = d.script[i]
	}
	d.mu.Unlock()
	if gate != nil {
		<-gate
	}
	time.Sleep(delay)
	if err != nil {
		return nil, err
	}
	w, h := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
	var out []detect.Detection
	for _, f := range script {
		out = append(out, detect.Detection{Label: f.label, Score: f.score, Box: [4]float64{f.box[0] * w, f.box[1] * h, f.box[2] * w, f.box[3] * h}})
	}
	return out, nil
}

func (d *fakeDetector) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// grey is a small plain JPEG of the given size.
func grey(t testing.TB, w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(100 + i%7)
	}
	return encode(t, img)
}

// detectCamera is a camera that looks for objects on every keyframe a second apart (motion off).
func detectCamera(id string) store.Camera {
	c := testCamera(id)
	c.Motion.Enabled = false
	c.Detect = store.DetectSettings{Enabled: true, IdleIntervalS: 1}
	return c
}

// TestSlowDetectorKeepsOnlyTheLatestFrame: while the detector is busy with the first keyframe (it waits
// on a gate), 19 more arrive; once it is free, only the latest is detected, not a backlog.
func TestSlowDetectorKeepsOnlyTheLatestFrame(t *testing.T) {
	gate := make(chan struct{})
	det := &fakeDetector{gate: gate}
	h := newHarness(t, Options{Detector: det})
	h.e.Configure(detectCamera("cam"))
	const n = 20
	keyframe := func(i int) *ipc.Keyframe {
		return &ipc.Keyframe{CameraID: "cam", WallNS: at(float64(i)).UnixNano(), JPEG: grey(t, 64+8*i, 48)}
	}
	h.e.Keyframe(keyframe(0))
	for deadline := time.Now().Add(30 * time.Second); det.count() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first keyframe never reached the detector")
		}
	}
	start := time.Now()
	var worst time.Duration
	for i := 1; i < n; i++ {
		t0 := time.Now()
		h.e.Keyframe(keyframe(i))
		worst = max(worst, time.Since(t0))
	}
	fed := time.Since(start)
	if c := det.count(); c != 1 {
		t.Fatalf("%d detections started while the detector was busy with the first", c)
	}
	close(gate)
	h.settle("cam")
	st, _ := h.e.Status("cam")
	calls := det.count()
	t.Logf("%d keyframes in %v: %d detections, %d requests replaced, %d keyframes dropped; slowest Keyframe call %v",
		n, fed.Round(time.Millisecond), calls, st.DetectSkipped, st.FramesDropped, worst)
	// Detections counts the results the camera looked at: one superseded by a newer before it did is not
	// counted, so it may be below the detector's calls.
	if st.Detections < 1 || st.Detections > int64(calls) || int64(calls)+st.DetectSkipped+st.FramesDropped != n {
		t.Fatalf("accounting: %d calls + %d replaced + %d dropped != %d keyframes", calls, st.DetectSkipped, st.FramesDropped, n)
	}
	// After the first: at most the request waiting in the scheduler, the keyframe being analysed and the
	// one in the camera's mailbox, whatever the machine's speed; a backlog would be 20.
	if calls > 4 {
		t.Fatalf("%d detections for %d keyframes fed while the detector was busy: a backlog was built", calls, n)
	}
	det.mu.Lock()
	last := det.widths[len(det.widths)-1]
	det.mu.Unlock()
	if last != 64+8*(n-1) {
		t.Fatalf("the last detection ran on a keyframe %d wide, not the latest (%d)", last, 64+8*(n-1))
	}
}

func TestKeyframeNeverBlocks(t *testing.T) {
	h := newHarness(t, Options{})
	hold := make(chan struct{})
	h.sink.mu.Lock()
	h.sink.hold = hold // the database hangs
	h.sink.mu.Unlock()
	h.e.Configure(testCamera("cam"))
	s := newScene(W, H, 20)
	h.feed("cam", 0, s.still(t))
	// This keyframe starts an event; the camera's goroutine is now stuck in CreateEvent.
	h.e.Keyframe(&ipc.Keyframe{CameraID: "cam", WallNS: at(1).UnixNano(), JPEG: s.frame(t, 0, block(100, 100, 60))})
	for deadline := time.Now().Add(30 * time.Second); h.sink.waiting.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the motion keyframe never reached CreateEvent")
		}
	}
	frame := s.still(t)
	var worst time.Duration
	done := make(chan struct{})
	go func() { // while the database still hangs: a Keyframe that waited for it would never return
		defer close(done)
		for i := 0; i < 100; i++ {
			start := time.Now()
			h.e.Keyframe(&ipc.Keyframe{CameraID: "cam", WallNS: at(2 + float64(i)).UnixNano(), JPEG: frame})
			worst = max(worst, time.Since(start))
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		close(hold)
		t.Fatal("Keyframe blocked while the camera's goroutine was stuck in the database")
	}
	st, _ := h.e.Status("cam")
	close(hold)
	h.settle("cam")
	t.Logf("slowest of 100 Keyframe calls while the camera was stuck: %v; dropped %d", worst, st.FramesDropped)
	if st.FramesDropped != 99 {
		t.Errorf("%d keyframes dropped, want 99 (all but the latest)", st.FramesDropped)
	}
}

func TestGlobalDetectionCap(t *testing.T) {
	det := &fakeDetector{}
	const rate = 10
	h := newHarness(t, Options{Detector: det, MaxDetectionsPerSecond: rate})
	cams := []string{"a", "b", "c", "d"}
	for _, c := range cams {
		h.e.Configure(detectCamera(c))
	}
	jpg := grey(t, 64, 48)
	start := time.Now()
	// Feed for 1.5 s and until a second's worth of detections ran (the scheduler does not starve),
	// however slow the machine is.
	for i := 0; time.Since(start) < 1500*time.Millisecond || det.count() < rate; i++ {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("only %d detections in 60 s: the scheduler starves", det.count())
		}
		for _, c := range cams {
			h.e.Keyframe(&ipc.Keyframe{CameraID: c, WallNS: at(float64(i)).UnixNano(), JPEG: jpg})
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	calls := det.count()
	for _, c := range cams {
		h.settle(c)
	}
	total := det.count()
	limit := int(rate*elapsed.Seconds()) + int(h.e.sched.burst) + 1
	t.Logf("%d detections in %v with a cap of %d/s (limit %d); %d after settling", calls, elapsed.Round(time.Millisecond), rate, limit, total)
	if calls > limit {
		t.Fatalf("%d detections in %v exceed the cap", calls, elapsed)
	}
	for _, c := range cams {
		st, _ := h.e.Status(c)
		if st.Detections < int64(total/len(cams)/2) {
			t.Errorf("camera %s got %d of %d detections", c, st.Detections, total)
		}
	}
	if s := h.e.Stats(); s.Detections != int64(total) || s.DetectWaitNS == 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestDetectionOnlyWhileMotionOrIdleInterval(t *testing.T) {
	det := &fakeDetector{}
	h := newHarness(t, Options{Detector: det})
	cam := testCamera("cam")
	cam.Detect = store.DetectSettings{Enabled: true, IdleIntervalS: 10}
	h.e.Configure(cam)
	s := newScene(W, H, 21)
	for i := 0; i < 25; i++ { // still: at 0, 10, 20
		h.feed("cam", float64(i), s.still(t))
	}
	if n := det.count(); n != 3 {
		t.Fatalf("%d detections in 25 s of still keyframes with a 10 s idle interval, want 3", n)
	}
	for i := 25; i < 30; i++ { // motion: every keyframe
		h.feed("cam", float64(i), s.frame(t, 0, block(60*(i-24), 100, 60)))
	}
	if n := det.count(); n != 3+5 {
		t.Fatalf("%d detections after 5 moving keyframes, want 8", n)
	}
}

// objectScript runs keyframes a second apart past a fake detector that reports script[i] on
// keyframe i, and returns the object events.
func objectScript(t *testing.T, cam store.Camera, script [][]frac, extra int) (*harness, []store.Event) {
	det := &fakeDetector{script: script}
	h := newHarness(t, Options{Detector: det})
	h.e.Configure(cam)
	jpg := grey(t, 320, 180)
	for i := 0; i < len(script)+extra; i++ {
		h.feed(cam.ID, float64(i), jpg)
	}
	if det.count() != len(script)+extra {
		t.Fatalf("%d detections for %d keyframes", det.count(), len(script)+extra)
	}
	return h, h.sink.list(store.EventObject)
}

func TestObjectTracking(t *testing.T) {
	dog := func(x float64, score float64) frac { return frac{"dog", score, [4]float64{x, 0.4, x + 0.2, 0.8}} }
	script := [][]frac{
		{},
		{dog(0.10, 0.6)},
		{dog(0.13, 0.8)}, // the same dog, moved a little, better seen
		{dog(0.16, 0.7), {"person", 0.9, [4]float64{0.7, 0.1, 0.8, 0.9}}}, // and a person
		{dog(0.19, 0.7)}, // the person is not seen for a moment
		{dog(0.22, 0.7), {"person", 0.9, [4]float64{0.7, 0.1, 0.8, 0.9}}},
		{{"dog", 0.7, [4]float64{0.6, 0.0, 0.65, 0.05}}},    // another dog far away; the first is gone
		{{"toaster", 0.99, [4]float64{0.1, 0.1, 0.5, 0.5}}}, // not a listed label
		{{"cat", 0.45, [4]float64{0.1, 0.1, 0.5, 0.5}}},     // below min_score
		{{"cat", 0.9, [4]float64{0.1, 0.1, 0.11, 0.11}}},    // too small
	}
	cam := detectCamera("cam")
	cam.Record.PostRollS = 3
	h, evs := objectScript(t, cam, script, 6)
	if len(evs) != 3 {
		t.Fatalf("got %d object events, want 3 (dog, person, second dog): %+v", len(evs), evs)
	}
	d1, p, d2 := evs[0], evs[1], evs[2]
	if d1.Labels[0] != "dog" || !d1.Start.Equal(at(1)) || !d1.End.Equal(at(5)) || d1.Score != 0.8 {
		t.Errorf("first dog %+v", d1)
	}
	if len(d1.Boxes) == 0 || d1.Boxes[0].Label != "dog" || !approx(d1.Boxes[0].Box[0], 0.13) {
		t.Errorf("first dog's boxes %+v (want the box of its best sighting first)", d1.Boxes)
	}
	if p.Labels[0] != "person" || !p.Start.Equal(at(3)) || !p.End.Equal(at(5)) {
		t.Errorf("person %+v", p)
	}
	if d2.Labels[0] != "dog" || !d2.Start.Equal(at(6)) || !d2.End.Equal(at(6)) {
		t.Errorf("second dog %+v", d2)
	}
	for _, e := range evs {
		snap := h.sink.snapshot(e.ID)
		img, err := jpeg.Decode(bytes.NewReader(snap))
		if err != nil || img.Bounds().Dx() != 320 {
			t.Errorf("event %d snapshot: %v", e.ID, err)
		}
	}
	// The snapshot has the box drawn: the first dog's box outline (x = 0.13·320 ≈ 42) differs
	// from the plain keyframe.
	img, _ := jpeg.Decode(bytes.NewReader(h.sink.snapshot(d1.ID)))
	if r, g, b, _ := img.At(42, int(0.6*180)).RGBA(); r>>8 == g>>8 && g>>8 == b>>8 {
		t.Errorf("no coloured box outline on the snapshot at the dog's left edge: %d %d %d", r>>8, g>>8, b>>8)
	}
	// record_on "motion" (default): object events record nothing.
	if calls := h.rec.list(); len(calls) != 0 {
		t.Errorf("object events triggered recordings with record_on motion: %+v", calls)
	}
	// The script's keyframes are one flat grey picture: a covered lens, so one tamper event too.
	if st, _ := h.e.Status("cam"); st.ObjectsTracked != 0 || st.Events != 3+1 || len(h.sink.list(store.EventTamper)) != 1 {
		t.Errorf("status %+v", st)
	}
}

func approx(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

func TestObjectZones(t *testing.T) {
	cam := detectCamera("cam")
	// Only the bottom half counts: a person standing there (feet at y 0.9) counts, one whose
	// box reaches into it but stands above (feet at 0.45) does not.
	cam.Detect.Zones = []store.Polygon{{{X: 0, Y: 0.5}, {X: 1, Y: 0.5}, {X: 1, Y: 1}, {X: 0, Y: 1}}}
	_, evs := objectScript(t, cam, [][]frac{
		{{"person", 0.9, [4]float64{0.1, 0.05, 0.2, 0.45}}},
		{{"person", 0.9, [4]float64{0.6, 0.3, 0.7, 0.9}}},
		{{"person", 0.9, [4]float64{0.3, 0.5, 0.4, 1.0}}}, // feet on the picture's bottom edge
	}, 0)
	if len(evs) != 2 || !evs[0].Start.Equal(at(1)) || !evs[1].Start.Equal(at(2)) {
		t.Fatalf("events %+v", evs)
	}
}

func TestObjectsRecordOn(t *testing.T) {
	person := []frac{{"person", 0.9, [4]float64{0.4, 0.2, 0.5, 0.9}}}
	for _, tc := range []struct {
		recordOn string
		motion   bool
		want     bool
	}{
		{store.RecordOnMotion, false, false},
		{store.RecordOnEither, false, true},
		{store.RecordOnObjects, false, true}, // no motion events to wait for: objects record
		{store.RecordOnObjects, true, false}, // objects only make motion events record
	} {
		cam := detectCamera("cam")
		cam.Detect.RecordOn = tc.recordOn
		cam.Motion.Enabled = tc.motion
		h, evs := objectScript(t, cam, [][]frac{person, person}, 0)
		calls := h.rec.list()
		if len(evs) != 1 {
			t.Fatalf("%s: %d events", tc.recordOn, len(evs))
		}
		if got := len(calls) > 0; got != tc.want {
			t.Errorf("record_on %s, motion %v: triggered %v, want %v (%+v)", tc.recordOn, tc.motion, got, tc.want, calls)
		}
		if tc.want && (!calls[0].start.Equal(at(0)) || calls[0].reason != "object" || !calls[0].until.Equal(at(0).Add(5*time.Second))) {
			t.Errorf("%s: trigger %+v", tc.recordOn, calls[0])
		}
	}
}

func TestRecordOnObjectsWithFakeDetector(t *testing.T) {
	// The fake detector sees a person only on its 6th call (keyframe 8): the first motion
	// burst (keyframes 2..3) records nothing, the second (7..9) records from its start.
	det := &fakeDetector{script: [][]frac{{}, {}, {}, {}, {}, {{"person", 0.9, [4]float64{0.4, 0.2, 0.5, 0.9}}}}}
	h := newHarness(t, Options{Detector: det})
	cam := testCamera("cam")
	cam.Record.PostRollS = 2
	cam.Detect = store.DetectSettings{Enabled: true, RecordOn: store.RecordOnObjects, IdleIntervalS: 100}
	h.e.Configure(cam)
	s := newScene(W, H, 22)
	moving := map[int]bool{2: true, 3: true, 7: true, 8: true, 9: true}
	x := 0
	for i := 0; i < 14; i++ {
		if moving[i] {
			x += 60
		}
		h.feed("cam", float64(i), s.frame(t, 0, block(x, 100, 60)))
		if i == 6 {
			if calls := h.rec.list(); len(calls) != 0 {
				t.Fatalf("motion without an object triggered a recording: %+v", calls)
			}
		}
	}
	evs := h.sink.list(store.EventMotion)
	if len(evs) != 2 {
		t.Fatalf("motion events %+v", evs)
	}
	calls := h.rec.list()
	if len(calls) == 0 || !calls[0].start.Equal(evs[1].Start) || !evs[1].Start.Equal(at(7)) {
		t.Fatalf("triggers %+v, want them to start at the second motion's start %s", calls, evs[1].Start)
	}
	if len(evs[1].Labels) != 1 || evs[1].Labels[0] != "person" || len(evs[0].Labels) != 0 {
		t.Errorf("labels %v and %v", evs[0].Labels, evs[1].Labels)
	}
	if last := calls[len(calls)-1]; !last.until.Equal(at(9 + 2)) {
		t.Errorf("last trigger %+v, want until the last motion + post-roll", last)
	}
}

func TestRecordOnObjectsWithoutDetectorRecordsMotion(t *testing.T) {
	h := newHarness(t, Options{DetectorErr: fmt.Errorf("%w: libonnxruntime.so not found; run make setup", detect.ErrUnavailable)})
	cam := testCamera("cam")
	cam.Detect = store.DetectSettings{Enabled: true, RecordOn: store.RecordOnObjects}
	h.e.Configure(cam)
	s := newScene(W, H, 23)
	h.feed("cam", 0, s.still(t))
	h.feed("cam", 1, s.frame(t, 0, block(100, 100, 60)))
	if len(h.rec.list()) == 0 {
		t.Fatal("without a detector, record_on objects must fall back to motion")
	}
	st, _ := h.e.Status("cam")
	if st.DetectAvailable || st.DetectError != "object detection is unavailable: libonnxruntime.so not found; run make setup" || st.DetectEnabled {
		t.Errorf("status %+v", st)
	}
}

func TestDetectorErrors(t *testing.T) {
	det := &fakeDetector{err: errors.New("inference failed: out of memory")}
	h := newHarness(t, Options{Detector: det})
	h.e.Configure(detectCamera("cam"))
	jpg := grey(t, 64, 48)
	for i := 0; i < 3; i++ {
		h.feed("cam", float64(i), jpg)
	}
	st, _ := h.e.Status("cam")
	if !st.DetectAvailable || st.DetectErrors != 3 || st.DetectError != "inference failed: out of memory" || st.Detections != 0 {
		t.Fatalf("status %+v", st)
	}
	det.mu.Lock()
	det.err = nil
	det.mu.Unlock()
	h.feed("cam", 3, jpg)
	if st, _ := h.e.Status("cam"); st.DetectError != "" || st.Detections != 1 {
		t.Fatalf("after a success: %+v", st)
	}
	// A keyframe that is not a JPEG is counted and skipped.
	h.feed("cam", 4, []byte("not a jpeg"))
	if st, _ := h.e.Status("cam"); st.DetectErrors != 4 {
		t.Fatalf("undecodable keyframe: %+v", st)
	}
}

func TestNilDetectorPointerIsUnavailable(t *testing.T) {
	var d *detect.Detector
	e := New(Options{Detector: d, Log: quietLog()})
	if e.sched != nil {
		t.Fatal("a nil *detect.Detector was taken for a detector")
	}
	e.Configure(testCamera("cam"))
	st, ok := e.Status("cam")
	if !ok || st.DetectAvailable || st.DetectError == "" {
		t.Fatalf("status %+v %v", st, ok)
	}
}
