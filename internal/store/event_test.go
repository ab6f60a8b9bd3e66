package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func openTestStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestEventCreateUpdateGet(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)
	jpeg := []byte{0xff, 0xd8, 1, 2, 3, 0xff, 0xd9}
	e := &Event{CameraID: "yard", Kind: EventMotion, Start: t0, Score: 3.5, Snapshot: jpeg}
	if err := s.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if e.ID == 0 || !e.HasSnapshot {
		t.Fatalf("after create: id %d, has snapshot %v", e.ID, e.HasSnapshot)
	}
	got, err := s.GetEvent(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Open() || !got.Start.Equal(t0) || got.Score != 3.5 || !got.HasSnapshot || got.Snapshot != nil || len(got.Labels) != 0 {
		t.Fatalf("got %+v", got)
	}
	// The recorder links the recording; a later engine update must keep it.
	if err := s.SetEventRecording(ctx, e.ID, "rec-1"); err != nil {
		t.Fatal(err)
	}
	e.End = t0.Add(12 * time.Second)
	e.Labels = []string{"person"}
	e.Score = 7.25
	e.Snapshot = []byte{0xff, 0xd8, 9, 0xff, 0xd9}
	if err := s.UpdateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetEvent(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Open() || !got.End.Equal(e.End) || got.Score != 7.25 || got.RecordingID != "rec-1" || len(got.Labels) != 1 || got.Labels[0] != "person" {
		t.Fatalf("after update: %+v", got)
	}
	snap, err := s.EventSnapshot(ctx, e.ID)
	if err != nil || !bytes.Equal(snap, e.Snapshot) {
		t.Fatalf("snapshot %v %v", snap, err)
	}
	if _, err := s.GetEvent(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing event: %v", err)
	}
	if _, err := s.EventSnapshot(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing snapshot: %v", err)
	}
	if err := s.UpdateEvent(ctx, &Event{ID: 9999, CameraID: "yard", Kind: EventMotion, Start: t0}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of a missing event: %v", err)
	}
	// An event without a snapshot has none.
	q := &Event{CameraID: "yard", Kind: EventQR, Start: t0, End: t0, Text: "hello"}
	if err := s.CreateEvent(ctx, q); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetEvent(ctx, q.ID); got.HasSnapshot || got.Text != "hello" {
		t.Fatalf("qr event %+v", got)
	}
}

func TestEventValidation(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	now := time.Now()
	for _, e := range []*Event{
		{Kind: EventMotion, Start: now},
		{CameraID: "a", Kind: "explosion", Start: now},
		{CameraID: "a", Kind: EventMotion},
	} {
		if err := s.CreateEvent(ctx, e); err == nil {
			t.Errorf("accepted %+v", e)
		}
	}
	// The CHECK constraint holds even for writes that bypass CreateEvent.
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO events(camera_id, kind, start_ns) VALUES ('a','bogus',1)`); err == nil {
		t.Error("the database accepted an unknown kind")
	}
	if _, err := s.ListEvents(ctx, EventFilter{Kind: "bogus"}); err == nil {
		t.Error("ListEvents accepted an unknown kind")
	}
}

func TestListEventsFilters(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	add := func(cam, kind string, at time.Duration, labels ...string) *Event {
		e := &Event{CameraID: cam, Kind: kind, Start: t0.Add(at), End: t0.Add(at + time.Second), Labels: labels}
		if err := s.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	a1 := add("a", EventMotion, 1*time.Minute, "person")
	a2 := add("a", EventObject, 2*time.Minute, "dog")
	b1 := add("b", EventMotion, 3*time.Minute)
	b2 := add("b", EventObject, 4*time.Minute, "person")
	c1 := add("c", EventQR, 5*time.Minute)

	ids := func(es []Event) string {
		var b strings.Builder
		for _, e := range es {
			b.WriteString(e.CameraID + ":" + e.Kind + " ")
		}
		return strings.TrimSpace(b.String())
	}
	check := func(name string, f EventFilter, want ...*Event) {
		t.Helper()
		got, err := s.ListEvents(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: got %d events (%s), want %d", name, len(got), ids(got), len(want))
		}
		for i := range want {
			if got[i].ID != want[i].ID {
				t.Fatalf("%s: event %d is %d (%s), want %d", name, i, got[i].ID, ids(got), want[i].ID)
			}
		}
	}
	check("all, newest first", EventFilter{}, c1, b2, b1, a2, a1)
	check("cameras", EventFilter{CameraIDs: []string{"a", "c"}}, c1, a2, a1)
	check("no cameras allowed", EventFilter{CameraIDs: []string{}})
	check("kind", EventFilter{Kind: EventObject}, b2, a2)
	check("label", EventFilter{Label: "person"}, b2, a1)
	check("label and camera", EventFilter{Label: "person", CameraIDs: []string{"a"}}, a1)
	check("since", EventFilter{Since: t0.Add(3 * time.Minute)}, c1, b2, b1)
	check("until (exclusive)", EventFilter{Until: t0.Add(3 * time.Minute)}, a2, a1)
	check("window", EventFilter{Since: t0.Add(2 * time.Minute), Until: t0.Add(4*time.Minute + 1)}, b2, b1, a2)
	check("limit", EventFilter{Limit: 2}, c1, b2)

	// The limit is capped.
	for i := 0; i < MaxEventLimit+5; i++ {
		add("d", EventMotion, time.Hour+time.Duration(i)*time.Second)
	}
	got, err := s.ListEvents(ctx, EventFilter{Limit: 1 << 30})
	if err != nil || len(got) != MaxEventLimit {
		t.Fatalf("huge limit: %d events, %v", len(got), err)
	}
	got, err = s.ListEvents(ctx, EventFilter{})
	if err != nil || len(got) != DefaultEventLimit {
		t.Fatalf("default limit: %d events, %v", len(got), err)
	}
}

func TestCloseOpenAndDeleteEvents(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	open1 := &Event{CameraID: "a", Kind: EventMotion, Start: t0, Snapshot: []byte("jpeg")}
	open2 := &Event{CameraID: "b", Kind: EventObject, Start: t0.Add(time.Hour), Labels: []string{"car"}}
	closed := &Event{CameraID: "a", Kind: EventMotion, Start: t0, End: t0.Add(time.Minute)}
	for _, e := range []*Event{open1, open2, closed} {
		if err := s.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.CloseOpenEvents(ctx, t0.Add(30*time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("closed %d, %v", n, err)
	}
	g1, _ := s.GetEvent(ctx, open1.ID)
	g2, _ := s.GetEvent(ctx, open2.ID)
	if !g1.End.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("open event ended at %v", g1.End)
	}
	if !g2.End.Equal(g2.Start) {
		t.Errorf("an event that started after the crash time must end at its start, not %v", g2.End)
	}
	if n, _ := s.CloseOpenEvents(ctx, t0); n != 0 {
		t.Errorf("second close touched %d events", n)
	}

	// A new open event survives retention; ended ones go with their snapshots.
	open3 := &Event{CameraID: "a", Kind: EventMotion, Start: t0}
	if err := s.CreateEvent(ctx, open3); err != nil {
		t.Fatal(err)
	}
	n, err = s.DeleteEventsBefore(ctx, "a", t0.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	if _, err := s.EventSnapshot(ctx, open1.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the snapshot outlived its event: %v", err)
	}
	var snaps int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_snapshots`).Scan(&snaps); err != nil || snaps != 0 {
		t.Errorf("%d snapshots left, %v", snaps, err)
	}
	if _, err := s.GetEvent(ctx, open3.ID); err != nil {
		t.Errorf("an open event was deleted: %v", err)
	}
	if _, err := s.GetEvent(ctx, open2.ID); err != nil {
		t.Errorf("another camera's event was deleted: %v", err)
	}
	if n, _ := s.DeleteEventsBefore(ctx, "", t0.Add(2*time.Hour)); n != 1 {
		t.Errorf("deleting for every camera removed %d events, want 1", n)
	}
}

func TestEventJSON(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 500_000_000, time.FixedZone("x", 3600))
	e := Event{ID: 42, CameraID: "yard", Kind: EventObject, Start: t0, Labels: []string{"dog"}, Score: 0.87,
		Boxes: []Box{{Label: "dog", Score: 0.87, Box: [4]float64{0.1, 0.2, 0.3, 0.4}}}, HasSnapshot: true}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"id": "42", "camera": "yard", "kind": "object", "start": "2026-11-25T09:00:00.500Z",
		"end": nil, "score": 0.87, "snapshot": "/api/events/42/snapshot.jpg", "recording": nil,
	} {
		if got, ok := m[k]; !ok || got != want {
			t.Errorf("%s = %#v (present %v), want %#v; JSON %s", k, got, ok, want, b)
		}
	}
	if l, _ := m["labels"].([]any); len(l) != 1 || l[0] != "dog" {
		t.Errorf("labels %#v", m["labels"])
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != 42 || !back.Start.Equal(t0) || !back.Open() || !back.HasSnapshot || len(back.Boxes) != 1 {
		t.Fatalf("round trip %+v", back)
	}

	// A closed event without labels, snapshot but with a recording.
	e = Event{ID: 1, CameraID: "c", Kind: EventMotion, Start: t0, End: t0.Add(time.Second), RecordingID: "r9"}
	b, _ = json.Marshal(e)
	m = nil
	_ = json.Unmarshal(b, &m)
	if l, ok := m["labels"].([]any); !ok || len(l) != 0 {
		t.Errorf("labels must be an empty array, got %s", b)
	}
	if m["snapshot"] != nil || m["recording"] != "r9" || m["end"] != "2026-11-25T09:00:01.500Z" {
		t.Errorf("JSON %s", b)
	}
	if _, ok := m["boxes"]; ok {
		t.Errorf("boxes shown for an event without any: %s", b)
	}
}
