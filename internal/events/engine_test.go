package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/detect"
	"github.com/nvrproject/nvr/pkg/ipc"
)

func TestManualEvent(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	h := newHarness(t, Options{Now: func() time.Time { return now }})
	h.e.Configure(testCamera("cam"))
	s := newScene(W, H, 40)
	last := s.still(t)
	h.feed("cam", 0, s.still(t))
	h.feed("cam", 1, last)

	ev, err := h.e.Manual(context.Background(), "cam", 30)
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID == 0 || ev.Kind != store.EventManual || !ev.Start.Equal(now) || !ev.End.Equal(now.Add(30*time.Second)) || !ev.HasSnapshot || ev.Snapshot != nil {
		t.Fatalf("event %+v", ev)
	}
	if !bytes.Equal(h.sink.snapshot(ev.ID), last) {
		t.Error("the snapshot is not the latest keyframe")
	}
	calls := h.rec.list()
	if len(calls) != 1 || calls[0] != (triggerCall{"cam", now, now.Add(30 * time.Second), "manual"}) {
		t.Fatalf("triggers %+v", calls)
	}
	if _, err := h.e.Manual(context.Background(), "nope", 30); !errors.Is(err, ErrUnknownCamera) {
		t.Errorf("unknown camera: %v", err)
	}
	for _, s := range []int{0, -1, MaxManualSeconds + 1} {
		if _, err := h.e.Manual(context.Background(), "cam", s); err == nil {
			t.Errorf("%d seconds accepted", s)
		}
	}
	if st, _ := h.e.Status("cam"); st.Events != 1 {
		t.Errorf("status %+v", st)
	}
}

func TestSubscribe(t *testing.T) {
	h := newHarness(t, Options{})
	h.e.Configure(testCamera("cam"))
	ch, cancel := h.e.Subscribe(100)
	defer cancel()
	slow, cancelSlow := h.e.Subscribe(1) // never read
	defer cancelSlow()

	s := newScene(W, H, 41)
	h.feed("cam", 0, s.still(t))
	h.feed("cam", 1, s.frame(t, 0, block(100, 100, 60)))
	h.feed("cam", 2, s.frame(t, 0, block(200, 100, 60)))
	for i := 3; i < 10; i++ {
		h.feed("cam", float64(i), s.frame(t, 0, block(200, 100, 60)))
	}
	var got []Event
	for len(got) < 2 {
		select {
		case e := <-ch:
			got = append(got, e)
		case <-time.After(10 * time.Second):
			t.Fatalf("received %d events", len(got))
		}
	}
	if got[0].ID == 0 || !got[0].Open() || got[0].Kind != store.EventMotion || !got[0].HasSnapshot || got[0].Snapshot != nil {
		t.Errorf("start %+v", got[0])
	}
	if got[1].ID != got[0].ID || got[1].Open() || !got[1].End.Equal(at(2)) {
		t.Errorf("end %+v", got[1])
	}
	if d := h.e.Stats().SubscriberDrops; d < 1 {
		t.Errorf("the slow subscriber's drops were not counted: %d", d)
	}
	// The JSON a subscriber forwards is the API's.
	b, _ := json.Marshal(got[1])
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m["camera"] != "cam" || m["kind"] != "motion" || m["end"] == nil {
		t.Errorf("JSON %s", b)
	}
	cancel()
	if _, ok := <-ch; ok {
		// Drain what was buffered; the channel must end closed.
		for range ch {
		}
	}
	h.stop()
	if _, ok := <-slow; ok {
		for range slow {
		}
	}
	late, _ := h.e.Subscribe(1)
	if _, ok := <-late; ok {
		t.Error("a subscription after Run returned is not closed")
	}
}

func TestEngineWithStore(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := newHarness(t, Options{Store: db})
	h.e.Configure(testCamera("cam"))
	s := newScene(W, H, 42)
	h.feed("cam", 0, s.still(t))
	for i := 1; i < 4; i++ {
		h.feed("cam", float64(i), s.frame(t, 0, block(80*i, 100, 60)))
	}
	ctx := context.Background()
	evs, err := db.ListEvents(ctx, store.EventFilter{CameraIDs: []string{"cam"}})
	if err != nil || len(evs) != 1 || !evs[0].Open() || !evs[0].HasSnapshot {
		t.Fatalf("while open: %+v %v", evs, err)
	}
	for i := 4; i < 12; i++ {
		h.feed("cam", float64(i), s.frame(t, 0, block(80*3, 100, 60)))
	}
	e, err := db.GetEvent(ctx, evs[0].ID)
	if err != nil || !e.Start.Equal(at(1)) || !e.End.Equal(at(3)) || e.Score < 2 {
		t.Fatalf("after: %+v %v", e, err)
	}
	snap, err := db.EventSnapshot(ctx, e.ID)
	if err != nil || len(snap) < 100 {
		t.Fatalf("snapshot %d bytes, %v", len(snap), err)
	}
	// An event still open when the engine stops is closed at its last motion.
	h.feed("cam", 12, s.frame(t, 0, block(100, 200, 60)))
	h.stop()
	evs, _ = db.ListEvents(ctx, store.EventFilter{})
	if len(evs) != 2 || evs[0].Open() || !evs[0].End.Equal(at(12)) {
		t.Fatalf("after stop: %+v", evs)
	}
}

func TestRemoveClosesEvents(t *testing.T) {
	h := newHarness(t, Options{})
	h.e.Configure(testCamera("cam"))
	s := newScene(W, H, 43)
	h.feed("cam", 0, s.still(t))
	h.feed("cam", 1, s.frame(t, 0, block(100, 100, 60)))
	h.e.Remove("cam")
	deadline := time.Now().Add(5 * time.Second)
	for {
		evs := h.sink.list("")
		if len(evs) == 1 && !evs[0].Open() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events after Remove: %+v", evs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, ok := h.e.Status("cam"); ok {
		t.Error("a removed camera has a status")
	}
	h.e.Keyframe(&ipc.Keyframe{CameraID: "cam", WallNS: 1, JPEG: []byte{1}})
	if h.e.Stats().UnknownFrames != 1 {
		t.Error("keyframes of removed cameras are not counted")
	}
	// Disabling works like removing; enabling again starts afresh.
	cam := testCamera("cam")
	h.e.Configure(cam)
	if _, ok := h.e.Status("cam"); !ok {
		t.Fatal("re-added camera has no status")
	}
	cam.Enabled = false
	h.e.Configure(cam)
	if _, ok := h.e.Status("cam"); ok {
		t.Fatal("a disabled camera has a status")
	}
}

func TestRunLifecycleAndNoLeaks(t *testing.T) {
	base := runtime.NumGoroutine()
	det := &fakeDetector{delay: 20 * time.Millisecond}
	e := New(Options{Detector: det, Log: quietLog(), Store: newMemSink()})
	e.Configure(detectCamera("a")) // before Run
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	e.Configure(testCamera("b")) // after Run
	ch, _ := e.Subscribe(10)
	jpg := grey(t, 64, 48)
	s := newScene(W, H, 44)
	for i := 0; i < 20; i++ {
		e.Keyframe(&ipc.Keyframe{CameraID: "a", WallNS: at(float64(i)).UnixNano(), JPEG: jpg})
		e.Keyframe(&ipc.Keyframe{CameraID: "b", WallNS: at(float64(i)).UnixNano(), JPEG: s.frame(t, 0, block(30*i, 100, 60))})
		time.Sleep(5 * time.Millisecond)
	}
	for deadline := time.Now().Add(30 * time.Second); det.count() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the detector never ran")
		}
	}
	if err := e.Run(context.Background()); err == nil {
		t.Error("a second Run was accepted")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
	for range ch { // closed when Run returned
	}
	e.Configure(testCamera("c")) // after Run: ignored, starts nothing
	e.Keyframe(&ipc.Keyframe{CameraID: "a", WallNS: 1, JPEG: jpg})
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The real implementations fit the interfaces the app wires.
var (
	_ Sink     = (*store.Store)(nil)
	_ Detector = (*detect.Detector)(nil)
)
