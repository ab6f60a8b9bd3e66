package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// newRecording indexes a recording of camera cam and returns its id.
func newRecording(t *testing.T, s *Store, cam string) int64 {
	t.Helper()
	r := &Recording{CameraID: cam, Kind: KindContinuous, Start: time.Now(), Dir: "x"}
	if err := s.CreateRecording(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// newEvent stores a finished motion event of camera cam and returns its id.
func newEvent(t *testing.T, s *Store, cam string, start time.Time) int64 {
	t.Helper()
	e := &Event{CameraID: cam, Kind: EventMotion, Start: start, End: start.Add(time.Second), Score: 1}
	if err := s.CreateEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// Deleting the newest recording (or event) does not free its id: the next one gets a new id, also
// after the store is closed and opened again, so an old link never shows other footage.
func TestRecordingAndEventIDsNeverReused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	newRecording(t, s, "yard")
	r2 := newRecording(t, s, "yard")
	if err := s.DeleteRecording(ctx, r2); err != nil {
		t.Fatal(err)
	}
	r3 := newRecording(t, s, "yard")
	if r3 <= r2 {
		t.Fatalf("after deleting recording %d the next got id %d: ids are reused", r2, r3)
	}
	old := time.Now().Add(-time.Hour)
	e1 := newEvent(t, s, "yard", old)
	if n, err := s.DeleteEventsBefore(ctx, "yard", time.Now()); err != nil || n != 1 {
		t.Fatalf("delete events: %d, %v", n, err)
	}
	e2 := newEvent(t, s, "yard", old)
	if e2 <= e1 {
		t.Fatalf("after deleting event %d the next got id %d: ids are reused", e1, e2)
	}
	if err := s.DeleteRecording(ctx, r3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteEventsBefore(ctx, "yard", time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r4 := newRecording(t, s, "yard"); r4 <= r3 {
		t.Fatalf("after deleting recording %d and reopening the store the next got id %d: ids are reused", r3, r4)
	}
	if e3 := newEvent(t, s, "yard", old); e3 <= e2 {
		t.Fatalf("after deleting event %d and reopening the store the next got id %d: ids are reused", e2, e3)
	}
}

// indexNames lists the indexes (made by CREATE INDEX) of a table.
func indexNames(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL ORDER BY name`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// A database made before the ids were AUTOINCREMENT is rebuilt on Open: every recording, event,
// snapshot, review mark and index is kept, and the id of a deleted newest row is not given again.
func TestOldDatabaseIDsBecomeNeverReused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// A current store, then its two tables put back the way they were (plain INTEGER PRIMARY KEY).
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	u := &User{Name: "ann", Role: "viewer", PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	wantRec, wantEv := indexNames(t, s.DB(), "recordings"), indexNames(t, s.DB(), "events")
	s.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?_pragma=foreign_keys(0)")
	if err != nil {
		t.Fatal(err)
	}
	old := []string{
		`DROP TABLE recordings`,
		strings.Replace(recordingMigrations[0], " AUTOINCREMENT", "", 1),
		`DROP TABLE events`,
		strings.Replace(eventMigrations[0], " AUTOINCREMENT", "", 1),
		`INSERT INTO recordings(id, camera_id, kind, start_ns, end_ns, open, dir, nsegs, bytes) VALUES (5, 'yard', 'continuous', 1000, 2000, 0, 'd5', 3, 300)`,
		`INSERT INTO recordings(id, camera_id, kind, start_ns, end_ns, open, dir) VALUES (9, 'yard', 'continuous', 3000, 4000, 0, 'd9')`,
		`INSERT INTO events(id, camera_id, kind, start_ns, end_ns, score, recording_id) VALUES (7, 'yard', 'motion', 1000, 1500, 3.5, '5')`,
		`INSERT INTO event_snapshots(event_id, jpeg) VALUES (7, x'ffd8ffd9')`,
		`INSERT INTO event_reviews(event_id, user_id, at_ns) VALUES (7, ` + itoa(u.ID) + `, 1)`,
	}
	for _, q := range old {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, q := range append(recordingMigrations[1:], eventMigrations[1:3]...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"recordings", "events"} {
		var ddl string
		if err := s.DB().QueryRow(`SELECT sql FROM sqlite_master WHERE name=?`, table).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(ddl, "AUTOINCREMENT") {
			t.Fatalf("the %s table was not rebuilt: %s", table, ddl)
		}
	}
	if got := indexNames(t, s.DB(), "recordings"); !slices.Equal(got, wantRec) {
		t.Errorf("recordings indexes %v, want %v", got, wantRec)
	}
	if got := indexNames(t, s.DB(), "events"); !slices.Equal(got, wantEv) {
		t.Errorf("events indexes %v, want %v", got, wantEv)
	}
	r5, err := s.GetRecording(ctx, 5)
	if err != nil || r5.Dir != "d5" || r5.Bytes != 300 || r5.Start.UnixNano() != 1000 {
		t.Fatalf("recording 5 after the rebuild: %+v, %v", r5, err)
	}
	ev, err := s.GetEvent(ctx, 7)
	if err != nil || ev.Score != 3.5 || ev.RecordingID != "5" {
		t.Fatalf("event 7 after the rebuild: %+v, %v", ev, err)
	}
	if jpeg, err := s.EventSnapshot(ctx, 7); err != nil || len(jpeg) != 4 {
		t.Fatalf("event 7's snapshot after the rebuild: %x, %v", jpeg, err)
	}
	var marks int
	if err := s.DB().QueryRow(`SELECT count(*) FROM event_reviews WHERE event_id=7`).Scan(&marks); err != nil || marks != 1 {
		t.Fatalf("event 7's review marks after the rebuild: %d, %v", marks, err)
	}
	if err := s.DeleteRecording(ctx, 9); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if id := newRecording(t, s, "yard"); id <= 9 {
		t.Fatalf("after deleting recording 9 the next got id %d: ids are reused", id)
	}
	if id := newEvent(t, s, "yard", time.Now()); id <= 7 {
		t.Fatalf("the first new event got id %d, an id the old database had given", id)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
