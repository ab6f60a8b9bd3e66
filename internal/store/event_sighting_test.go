package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"testing"
	"time"
)

func sightingsAt(t0 time.Time, secs ...int) []Sighting {
	var out []Sighting
	for _, s := range secs {
		x := float64(s) / 100
		out = append(out, Sighting{T: t0.Add(time.Duration(s) * time.Second), Label: "dog", Score: 0.5 + x, Box: [4]float64{x, 0.2, x + 0.3, 0.9}})
	}
	return out
}

// TestSightingsStoredCappedAndDeletedWithTheEvent: sightings come back oldest first with their
// boxes, a repeated write adds nothing, at most MaxSightings are kept, and they go with their event
// whether it is deleted by hand or by its recording's retention.
func TestSightingsStoredCappedAndDeletedWithTheEvent(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	e := &Event{CameraID: "yard", Kind: EventObject, Start: t0, End: t0.Add(time.Hour), Labels: []string{"dog"}}
	if err := s.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSightings(ctx, e.ID, sightingsAt(t0, 4, 0, 2)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSightings(ctx, e.ID, sightingsAt(t0, 2, 6)); err != nil { // 2 again: ignored
		t.Fatal(err)
	}
	got, err := s.EventSightings(ctx, e.ID)
	if err != nil || len(got) != 4 {
		t.Fatalf("got %d sightings (%v), want 4: %+v", len(got), err, got)
	}
	for i, want := range []int{0, 2, 4, 6} {
		if g := got[i]; !g.T.Equal(t0.Add(time.Duration(want)*time.Second)) || g.Label != "dog" || g.Box[0] != float64(want)/100 || g.Box[3] != 0.9 {
			t.Errorf("sighting %d: %+v, want the one at +%d s", i, g, want)
		}
	}
	// The cap: a flood of sightings keeps MaxSightings.
	var secs []int
	for i := 10; i < 10+2*MaxSightings; i++ {
		secs = append(secs, i)
	}
	if err := s.AddSightings(ctx, e.ID, sightingsAt(t0, secs...)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.EventSightings(ctx, e.ID); len(got) != MaxSightings {
		t.Errorf("after a flood: %d sightings, want the cap %d", len(got), MaxSightings)
	}
	if err := s.AddSightings(ctx, e.ID+100, sightingsAt(t0, 1)); !errors.Is(err, ErrNotFound) {
		t.Errorf("sightings of a missing event: %v, want ErrNotFound", err)
	}

	// Deleting the event deletes its sightings.
	if err := s.DeleteEvent(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.EventSightings(ctx, e.ID); len(got) != 0 {
		t.Errorf("%d sightings left after the event was deleted", len(got))
	}

	// Retention deleting the recording that holds an event deletes the event's sightings.
	r := &Recording{CameraID: "yard", Kind: KindEvent, Start: t0, Dir: "x"}
	if err := s.CreateRecording(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseRecording(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	e2 := &Event{CameraID: "yard", Kind: EventObject, Start: t0.Add(time.Second), End: t0.Add(time.Minute), Labels: []string{"dog"}}
	if err := s.CreateEvent(ctx, e2); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEventRecording(ctx, e2.ID, strconv.FormatInt(r.ID, 10)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSightings(ctx, e2.ID, sightingsAt(t0, 1, 3)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRecording(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetEvent(ctx, e2.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the event outlived its recording: %v", err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_sightings`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sightings left in the table after retention (%v)", n, err)
	}
}

// TestSightingsMigration: a database made before sightings were stored gains the table on Open
// and keeps its events.
func TestSightingsMigration(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := &Event{CameraID: "yard", Kind: EventObject, Start: time.Now(), Labels: []string{"car"}}
	if err := s.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `DROP TABLE event_sightings`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetEvent(ctx, e.ID); err != nil {
		t.Fatalf("the old event: %v", err)
	}
	if err := s.AddSightings(ctx, e.ID, sightingsAt(e.Start, 0)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.EventSightings(ctx, e.ID); err != nil || len(got) != 1 {
		t.Fatalf("after migration: %+v %v", got, err)
	}
}

// TestSightingsAreIndexNotSettings: sightings and review marks are left out of the settings
// fingerprint (writing them makes no backup) and out of backups, like the events they belong to.
func TestSightingsAreIndexNotSettings(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	t0 := time.Now()
	e := &Event{CameraID: "yard", Kind: EventObject, Start: t0, Labels: []string{"dog"}}
	if err := s.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	before, err := s.SettingsFingerprint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddSightings(ctx, e.ID, sightingsAt(t0, 0, 1, 2)); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.SettingsFingerprint(ctx); after != before {
		t.Error("storing sightings changed the settings fingerprint: every keyframe with an object would make a backup")
	}
	u := &User{Name: "ann", Role: RoleViewer, PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	before, _ = s.SettingsFingerprint(ctx)
	if err := s.SetEventReviewed(ctx, e.ID, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.SettingsFingerprint(ctx); after != before {
		t.Error("marking an event reviewed changed the settings fingerprint: every review would make a backup")
	}
	path := t.TempDir() + "/b.db"
	if err := s.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	b, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var n int
	if err := b.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_sightings`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the backup holds %d sightings (%v)", n, err)
	}
	if err := b.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_reviews`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the backup holds %d review marks of events it does not hold (%v)", n, err)
	}
}
