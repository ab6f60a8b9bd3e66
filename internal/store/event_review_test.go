package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// An events table from before offline and tamper existed is rebuilt on Open: its rows, snapshots,
// indexes and a column added to it later are kept and the new kinds can be stored.
func TestWidenEventKindsKeepsOldEvents(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	old := []string{
		`CREATE TABLE events (id INTEGER PRIMARY KEY, camera_id TEXT NOT NULL,
			kind TEXT NOT NULL CHECK (kind IN ('motion','object','qr','manual')), start_ns INTEGER NOT NULL,
			end_ns INTEGER, labels TEXT NOT NULL DEFAULT '[]', score REAL NOT NULL DEFAULT 0,
			text TEXT NOT NULL DEFAULT '', boxes TEXT NOT NULL DEFAULT '[]', recording_id TEXT)`,
		`CREATE TABLE event_snapshots (event_id INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE, jpeg BLOB NOT NULL)`,
		`INSERT INTO events(id, camera_id, kind, start_ns, end_ns, score) VALUES (7, 'yard', 'motion', 1000, 2000, 3.5)`,
		`INSERT INTO event_snapshots(event_id, jpeg) VALUES (7, x'ffd8ffd9')`,
		`ALTER TABLE events ADD COLUMN later TEXT`,
		`UPDATE events SET later = 'kept' WHERE id = 7`,
		`CREATE INDEX events_later ON events(later)`,
	}
	for _, q := range old {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	got, err := s.GetEvent(ctx, 7)
	if err != nil || got.Kind != EventMotion || got.Score != 3.5 || !got.HasSnapshot {
		t.Fatalf("old event after the rebuild: %+v, %v", got, err)
	}
	if b, err := s.EventSnapshot(ctx, 7); err != nil || len(b) != 4 {
		t.Fatalf("old snapshot after the rebuild: %x, %v", b, err)
	}
	var later string
	if err := s.db.QueryRowContext(ctx, `SELECT later FROM events WHERE id = 7`).Scan(&later); err != nil || later != "kept" {
		t.Fatalf("the column added later after the rebuild: %q, %v", later, err)
	}
	var idx int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type='index' AND name IN ('events_later', 'events_camera_start')`).Scan(&idx); err != nil || idx != 2 {
		t.Fatalf("indexes after the rebuild: %d of 2, %v", idx, err)
	}
	for _, k := range []string{EventOffline, EventTamper} {
		if err := s.CreateEvent(ctx, &Event{CameraID: "yard", Kind: k, Start: time.Now()}); err != nil {
			t.Fatalf("store a %s event: %v", k, err)
		}
	}
	// Deleting still cascades to the snapshot (the foreign key survived the rename).
	if err := s.DeleteEvent(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EventSnapshot(ctx, 7); !errors.Is(err, ErrNotFound) {
		t.Fatalf("snapshot after DeleteEvent: %v", err)
	}
	if err := s.DeleteEvent(ctx, 7); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second DeleteEvent: %v", err)
	}
}

func TestEventPagingAndReviewed(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	ann := &User{Name: "ann", Role: RoleViewer, PasswordHash: "x"}
	bob := &User{Name: "bob", Role: RoleViewer, PasswordHash: "x"}
	for _, u := range []*User{ann, bob} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var ids []int64
	for i := range 7 {
		// Two events share each start, so paging must break ties by id.
		e := &Event{CameraID: "yard", Kind: EventMotion, Start: t0.Add(time.Duration(i/2) * time.Second)}
		if err := s.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	// Pages of 3, newest first, each event exactly once.
	var seen []int64
	before := int64(0)
	for range 5 {
		page, err := s.ListEvents(ctx, EventFilter{Limit: 3, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			seen = append(seen, e.ID)
		}
		before = page[len(page)-1].ID
	}
	if len(seen) != len(ids) {
		t.Fatalf("paging saw %v, want all of %v once", seen, ids)
	}
	for i := range seen {
		if seen[i] != ids[len(ids)-1-i] {
			t.Fatalf("paging order %v, want newest first %v reversed", seen, ids)
		}
	}
	if _, err := s.ListEvents(ctx, EventFilter{Before: 9999}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("paging from a gone event: %v", err)
	}

	if err := s.SetEventReviewed(ctx, ids[6], ann.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEventReviewed(ctx, ids[6], ann.ID, true); err != nil {
		t.Fatalf("marking twice: %v", err)
	}
	if err := s.SetEventReviewed(ctx, 9999, ann.ID, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("marking an unknown event: %v", err)
	}
	annList, _ := s.ListEvents(ctx, EventFilter{Viewer: ann.ID})
	bobList, _ := s.ListEvents(ctx, EventFilter{Viewer: bob.ID})
	if !annList[0].Reviewed || annList[1].Reviewed || bobList[0].Reviewed {
		t.Fatalf("reviewed marks: ann %v/%v, bob %v", annList[0].Reviewed, annList[1].Reviewed, bobList[0].Reviewed)
	}
	hidden, _ := s.ListEvents(ctx, EventFilter{Viewer: ann.ID, HideReviewed: true})
	if len(hidden) != 6 || hidden[0].ID != ids[5] {
		t.Fatalf("hiding ann's reviewed: %d events, first %d", len(hidden), hidden[0].ID)
	}
	if err := s.SetEventReviewed(ctx, ids[6], ann.ID, false); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListEvents(ctx, EventFilter{Viewer: ann.ID, HideReviewed: true}); len(l) != 7 {
		t.Fatalf("after unmarking: %d events", len(l))
	}
}
