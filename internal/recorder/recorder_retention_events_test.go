package recorder

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// TestRetentionDeletesEventsWithTheirRecording: a recording's events go when retention deletes it, and
// only those; an event no recording holds follows its camera's max_age_days (removed cameras: the
// default); open events and events of kept recordings stay.
func TestRetentionDeletesEventsWithTheirRecording(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r, st := newTestRecorder(t, Options{Now: func() time.Time { return now }, MaxBytes: 5000})
	ctx := context.Background()
	cam := &store.Camera{Name: "A", URL: "demo://", CameraSettings: store.DefaultSettings()}
	cam.Record.MaxAgeDays = 60
	if err := st.CreateCamera(ctx, cam); err != nil {
		t.Fatal(err)
	}
	// 3 × 2000 bytes over a budget of 5000: the continuous recording goes, the event recording stays.
	cont := addRecording(t, r, st, "a", store.KindContinuous, now.Add(-10*time.Hour), 2, false) // 10 h ago, 4 s
	evRec := addRecording(t, r, st, "a", store.KindEvent, now.Add(-5*time.Hour), 2, false)
	live := addRecording(t, r, st, "a", store.KindContinuous, now.Add(-time.Hour), 2, true)

	event := func(camera string, start time.Time, open bool, rec *store.Recording) *store.Event {
		t.Helper()
		e := &store.Event{CameraID: camera, Kind: store.EventMotion, Start: start, Snapshot: []byte{0xff, 0xd8, 0xff, 0xd9}}
		if !open {
			e.End = start.Add(time.Second)
		}
		if err := st.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		if rec != nil {
			if err := st.SetEventRecording(ctx, e.ID, itoa(rec.ID)); err != nil {
				t.Fatal(err)
			}
		}
		return e
	}
	linkedGone := event("a", cont.Start.Add(time.Second), false, cont)
	coveredGone := event("a", cont.Start.Add(2*time.Second), false, nil) // not linked yet, inside the deleted one
	openStays := event("a", cont.Start.Add(3*time.Second), true, nil)
	linkedStays := event("a", evRec.Start.Add(time.Second), false, evRec)
	coveredStays := event("a", evRec.Start.Add(2*time.Second), false, nil)
	liveStays := event("a", live.Start.Add(time.Second), false, nil)
	old40Stays := event("a", now.Add(-40*24*time.Hour), false, nil)       // camera keeps 60 days
	old61Gone := event("a", now.Add(-61*24*time.Hour), false, nil)        // beyond the camera's 60 days
	removed40Gone := event("gone", now.Add(-40*24*time.Hour), false, nil) // removed camera: default 30 days
	removed20Stays := event("gone", now.Add(-20*24*time.Hour), false, nil)

	if n := r.ApplyRetention(ctx); n != 1 {
		t.Fatalf("retention deleted %d recordings, want 1", n)
	}
	if left := ids(t, st); left[cont.ID] || !left[evRec.ID] || !left[live.ID] {
		t.Fatalf("wrong recordings deleted: left %v", left)
	}
	for name, c := range map[string]struct {
		e    *store.Event
		kept bool
	}{
		"linked to the deleted recording": {linkedGone, false}, "inside the deleted recording": {coveredGone, false},
		"open": {openStays, true}, "linked to a kept recording": {linkedStays, true}, "inside a kept recording": {coveredStays, true},
		"inside the recording in progress": {liveStays, true}, "40 days old, camera keeps 60": {old40Stays, true},
		"61 days old, camera keeps 60": {old61Gone, false}, "40 days old, removed camera": {removed40Gone, false},
		"20 days old, removed camera": {removed20Stays, true},
	} {
		_, err := st.GetEvent(ctx, c.e.ID)
		if kept := err == nil; kept != c.kept {
			t.Errorf("event %d (%s): kept=%v, want %v (%v)", c.e.ID, name, kept, c.kept, err)
		}
		if !c.kept {
			if _, err := st.EventSnapshot(ctx, c.e.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("event %d (%s) is gone but its snapshot is not: %v", c.e.ID, name, err)
			}
		}
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
