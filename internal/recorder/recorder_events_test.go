package recorder

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// TestLinkEventToTheTriggeredRecording: an event stored after its trigger is linked by the recorder
// to the recording that trigger opened, whether the recording already has its first segment (linked at
// once) or not yet (linked when the first segment is written); without an open recording nothing is
// linked (the event then follows the camera's max_age_days).
func TestLinkEventToTheTriggeredRecording(t *testing.T) {
	r, st := newTestRecorder(t, Options{})
	ctx := context.Background()
	cam := &store.Camera{Name: "Yard", URL: "rtsp://127.0.0.1:1/", Enabled: true, CameraSettings: store.DefaultSettings()}
	if err := st.CreateCamera(ctx, cam); err != nil {
		t.Fatal(err)
	}
	event := func() int64 {
		ev := &store.Event{CameraID: cam.ID, Kind: store.EventMotion, Start: time.Now()}
		if err := st.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		return ev.ID
	}
	linked := func(id int64) string {
		t.Helper()
		ev, err := st.GetEvent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return ev.RecordingID
	}
	c := newCamRec(r, cam.ID)

	// No recording open: nothing to link.
	none := event()
	c.linkEvent(none)
	if got := linked(none); got != "" {
		t.Fatalf("an event was linked to %q with no recording open", got)
	}

	// The trigger opened a recording that has no segment (no id) yet: the link waits for it.
	c.rec = &openRec{kind: store.KindEvent, reason: "motion", until: time.Now().Add(time.Minute)}
	early := event()
	c.linkEvent(early)
	if got := linked(early); got != "" {
		t.Fatalf("linked to %q before the recording exists", got)
	}
	c.write([]byte("segment bytes"), time.Now(), 2*time.Second, 1)
	if c.rec.id == 0 {
		t.Fatal("the first segment did not create the recording")
	}
	want := strconv.FormatInt(c.rec.id, 10)
	if got := linked(early); got != want {
		t.Fatalf("the waiting event is linked to %q, want recording %s", got, want)
	}

	// The recording is indexed (a trigger that extends it): linked at once.
	late := event()
	c.linkEvent(late)
	if got := linked(late); got != want {
		t.Fatalf("the event of an extending trigger is linked to %q, want recording %s", got, want)
	}
}
