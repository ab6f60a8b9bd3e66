package events

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// linkingRecorder is a fakeRecorder that also takes LinkEvent (as *recorder.Recorder does).
type linkingRecorder struct {
	fakeRecorder
	lmu    sync.Mutex
	linked []int64
}

func (r *linkingRecorder) LinkEvent(cam string, id int64) {
	r.lmu.Lock()
	defer r.lmu.Unlock()
	r.linked = append(r.linked, id)
}

// TestStoredEventIsLinkedAfterItsTrigger: once an event that triggered recording is stored, the
// engine hands its id to the recorder (after the trigger) so the recorder links it to the recording.
func TestStoredEventIsLinkedAfterItsTrigger(t *testing.T) {
	rec := &linkingRecorder{}
	h := newHarness(t, Options{Recorder: rec, Now: func() time.Time { return t0 }})
	h.e.Configure(testCamera("cam"))
	ev, err := h.e.Manual(context.Background(), "cam", 30)
	if err != nil {
		t.Fatal(err)
	}
	rec.lmu.Lock()
	defer rec.lmu.Unlock()
	if len(rec.list()) != 1 || !slices.Equal(rec.linked, []int64{ev.ID}) {
		t.Fatalf("triggers %v, linked %v; want one trigger and event %d linked", rec.list(), rec.linked, ev.ID)
	}
}
