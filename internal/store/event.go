package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The kinds of events.
const (
	EventMotion = "motion" // something moved
	EventObject = "object" // the detector saw a listed object (person, car, ...)
	EventQR     = "qr"     // a QR code was read; Text holds it
	EventManual = "manual" // someone asked to record (POST /api/cameras/{id}/record)
	// EventOffline: the camera sent no keyframe for longer than its grace; it ends when pictures come back.
	EventOffline = "offline"
	// EventTamper: the camera's picture went nearly uniform (a covered or painted lens, a turned camera
	// facing a wall); it ends when the picture has detail again.
	EventTamper = "tamper"
)

// eventKindList is the kinds in words, for error messages.
const eventKindList = "motion, object, qr, manual, offline, tamper"

// Limits of ListEvents.
const (
	DefaultEventLimit = 100
	MaxEventLimit     = 1000
)

// Box is one object drawn on an event's snapshot: its label, its score and its box as
// fractions of the picture (x1, y1, x2, y2, from the top-left corner).
type Box struct {
	Label string     `json:"label"`
	Score float64    `json:"score"`
	Box   [4]float64 `json:"box"`
}

// Event is something that happened on a camera. While it is going on End is zero.
type Event struct {
	ID       int64
	CameraID string
	Kind     string // EventMotion, EventObject, EventQR, EventManual, EventOffline or EventTamper
	Start    time.Time
	End      time.Time // zero while the event is open
	Labels   []string  // object classes seen (object events: exactly one)
	Score    float64   // motion: peak motion score; object: best confidence
	Text     string    // qr: the decoded text
	Boxes    []Box     // object events: the boxes drawn on the snapshot, the event's own first
	// Snapshot is a JPEG to store with the event. CreateEvent and UpdateEvent write it when
	// it is not nil; ListEvents and GetEvent leave it nil (use EventSnapshot).
	Snapshot    []byte
	HasSnapshot bool   // a snapshot is stored (or being stored) for the event
	RecordingID string // the recording that holds the event; "" = none (yet)
	// Reviewed says the user who asked (EventFilter.Viewer) marked the event reviewed.
	Reviewed bool
	// Sightings are where an object event's object was on each keyframe it was seen, oldest
	// first. The store keeps them apart (AddSightings, EventSightings): CreateEvent and
	// UpdateEvent do not write them, ListEvents and GetEvent leave them nil.
	Sightings []Sighting
}

// Open reports whether the event is still going on.
func (e *Event) Open() bool { return e.End.IsZero() }

// SnapshotURL is where the API serves the event's snapshot.
func (e *Event) SnapshotURL() string {
	return "/api/events/" + strconv.FormatInt(e.ID, 10) + "/snapshot.jpg"
}

// TimeFormat is how event times appear in JSON: RFC 3339 with milliseconds, in UTC.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// eventJSON is the API's shape of an event.
type eventJSON struct {
	ID        string   `json:"id"`
	Camera    string   `json:"camera"`
	Kind      string   `json:"kind"`
	Start     string   `json:"start"`
	End       *string  `json:"end"`
	Labels    []string `json:"labels"`
	Score     float64  `json:"score"`
	Text      string   `json:"text"`
	Boxes     []Box    `json:"boxes,omitempty"`
	Snapshot  *string  `json:"snapshot"`
	Recording *string  `json:"recording"`
	Reviewed  bool     `json:"reviewed"`
	// Sightings: only in GET /api/events/{ev}.
	Sightings []sightingJSON `json:"sightings,omitempty"`
}

// MarshalJSON writes the event as the API shows it: {"id","camera","kind","start","end",
// "labels","score","text","boxes","snapshot","recording"}, ids as strings, times in RFC 3339,
// end null while open, snapshot the URL of the JPEG (or null), recording an id or null.
func (e Event) MarshalJSON() ([]byte, error) {
	j := eventJSON{
		ID:     strconv.FormatInt(e.ID, 10),
		Camera: e.CameraID,
		Kind:   e.Kind,
		Start:  e.Start.UTC().Format(TimeFormat),
		Labels: e.Labels,
		Score:  e.Score,
		Text:   e.Text,
		Boxes:  e.Boxes,

		Reviewed: e.Reviewed,
	}
	for _, g := range e.Sightings {
		j.Sightings = append(j.Sightings, g.toJSON())
	}
	if j.Labels == nil {
		j.Labels = []string{}
	}
	if !e.End.IsZero() {
		s := e.End.UTC().Format(TimeFormat)
		j.End = &s
	}
	if e.HasSnapshot || e.Snapshot != nil {
		s := e.SnapshotURL()
		j.Snapshot = &s
	}
	if e.RecordingID != "" {
		j.Recording = &e.RecordingID
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes (for clients and tests).
func (e *Event) UnmarshalJSON(b []byte) error {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	id, err := strconv.ParseInt(j.ID, 10, 64)
	if err != nil {
		return fmt.Errorf("event id %q is not a number", j.ID)
	}
	start, err := time.Parse(time.RFC3339Nano, j.Start)
	if err != nil {
		return fmt.Errorf("event start %q is not an RFC 3339 time", j.Start)
	}
	*e = Event{ID: id, CameraID: j.Camera, Kind: j.Kind, Start: start, Labels: j.Labels, Score: j.Score,
		Text: j.Text, Boxes: j.Boxes, HasSnapshot: j.Snapshot != nil, Reviewed: j.Reviewed}
	if j.End != nil {
		if e.End, err = time.Parse(time.RFC3339Nano, *j.End); err != nil {
			return fmt.Errorf("event end %q is not an RFC 3339 time", *j.End)
		}
	}
	if j.Recording != nil {
		e.RecordingID = *j.Recording
	}
	for _, sj := range j.Sightings {
		g, err := sj.fromJSON()
		if err != nil {
			return err
		}
		e.Sightings = append(e.Sightings, g)
	}
	return nil
}

func validKind(k string) bool {
	switch k {
	case EventMotion, EventObject, EventQR, EventManual, EventOffline, EventTamper:
		return true
	}
	return false
}

func (e *Event) check() error {
	if e.CameraID == "" {
		return errors.New("event has no camera")
	}
	if !validKind(e.Kind) {
		return fmt.Errorf("event kind %q is not one of "+eventKindList, e.Kind)
	}
	if e.Start.IsZero() {
		return errors.New("event has no start time")
	}
	return nil
}

// nullNS is a time as Unix nanoseconds, NULL for the zero time.
func nullNS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func eventJSONColumns(e *Event) (labels, boxes string, err error) {
	l := e.Labels
	if l == nil {
		l = []string{}
	}
	b := e.Boxes
	if b == nil {
		b = []Box{}
	}
	lj, err := json.Marshal(l)
	if err != nil {
		return "", "", err
	}
	bj, err := json.Marshal(b)
	if err != nil {
		return "", "", err
	}
	return string(lj), string(bj), nil
}

// CreateEvent inserts e (with its snapshot, when it has one) and fills in e.ID.
func (s *Store) CreateEvent(ctx context.Context, e *Event) error {
	if err := e.check(); err != nil {
		return err
	}
	labels, boxes, err := eventJSONColumns(e)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO events(camera_id, kind, start_ns, end_ns, labels, score, text, boxes, recording_id)
			VALUES (?,?,?,?,?,?,?,?,?)`,
			e.CameraID, e.Kind, e.Start.UnixNano(), nullNS(e.End), labels, e.Score, e.Text, boxes, nullString(e.RecordingID))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if e.Snapshot != nil {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO event_snapshots(event_id, jpeg) VALUES (?,?)`, id, e.Snapshot); err != nil {
				return err
			}
			e.HasSnapshot = true
		}
		e.ID = id
		return nil
	})
}

// UpdateEvent stores e's end, labels, score, text and boxes, and its snapshot when
// e.Snapshot is not nil. The recording id is only written when e has one, so an update from
// the event engine never erases the link the recorder made (see SetEventRecording).
func (s *Store) UpdateEvent(ctx context.Context, e *Event) error {
	if e.ID == 0 {
		return errors.New("event has no id; create it first")
	}
	if err := e.check(); err != nil {
		return err
	}
	labels, boxes, err := eventJSONColumns(e)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE events SET start_ns=?, end_ns=?, labels=?, score=?, text=?, boxes=?,
			recording_id=COALESCE(?, recording_id) WHERE id=?`,
			e.Start.UnixNano(), nullNS(e.End), labels, e.Score, e.Text, boxes, nullString(e.RecordingID), e.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("event %d: %w", e.ID, ErrNotFound)
		}
		if e.Snapshot != nil {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO event_snapshots(event_id, jpeg) VALUES (?,?)`, e.ID, e.Snapshot); err != nil {
				return err
			}
			e.HasSnapshot = true
		}
		return nil
	})
}

// SetEventRecording links an event to the recording that holds it.
func (s *Store) SetEventRecording(ctx context.Context, id int64, recordingID string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE events SET recording_id=? WHERE id=?`, nullString(recordingID), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	return nil
}

// EventFilter selects events for ListEvents. Zero fields do not filter.
type EventFilter struct {
	CameraIDs []string  // nil = every camera; an empty non-nil slice matches nothing
	Since     time.Time // events that start at or after Since
	Until     time.Time // events that start before Until
	Kind      string    // one of the Event* kinds
	Label     string    // events whose labels include Label
	Limit     int       // 0 = DefaultEventLimit; at most MaxEventLimit
	// Before pages: only events that come after event Before in the list's order (older, or as old
	// with a lower id). 0 = from the newest. An event Before that is gone is ErrNotFound.
	Before int64
	// Viewer is the user whose review marks fill in Event.Reviewed (0: none are read).
	Viewer int64
	// HideReviewed leaves out the events Viewer marked reviewed.
	HideReviewed bool
}

const eventColumns = `e.id, e.camera_id, e.kind, e.start_ns, e.end_ns, e.labels, e.score, e.text, e.boxes, e.recording_id,
	EXISTS (SELECT 1 FROM event_snapshots s WHERE s.event_id = e.id)`

// ListEvents returns the events that match f, newest (latest start) first.
func (s *Store) ListEvents(ctx context.Context, f EventFilter) ([]Event, error) {
	if f.Kind != "" && !validKind(f.Kind) {
		return nil, fmt.Errorf("event kind %q is not one of "+eventKindList, f.Kind)
	}
	if f.CameraIDs != nil && len(f.CameraIDs) == 0 {
		return []Event{}, nil
	}
	var where []string
	var args []any
	if f.CameraIDs != nil {
		where = append(where, `e.camera_id IN (?`+strings.Repeat(`,?`, len(f.CameraIDs)-1)+`)`)
		for _, id := range f.CameraIDs {
			args = append(args, id)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, `e.start_ns >= ?`)
		args = append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		where = append(where, `e.start_ns < ?`)
		args = append(args, f.Until.UnixNano())
	}
	if f.Kind != "" {
		where = append(where, `e.kind = ?`)
		args = append(args, f.Kind)
	}
	if f.Label != "" {
		where = append(where, `EXISTS (SELECT 1 FROM json_each(e.labels) WHERE json_each.value = ?)`)
		args = append(args, f.Label)
	}
	if f.Before != 0 {
		var bStart int64
		err := s.db.QueryRowContext(ctx, `SELECT start_ns FROM events WHERE id = ?`, f.Before).Scan(&bStart)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("event %d, the one to page on from, was deleted; load the list again: %w", f.Before, ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		where = append(where, `(e.start_ns < ? OR (e.start_ns = ? AND e.id < ?))`)
		args = append(args, bStart, bStart, f.Before)
	}
	if f.HideReviewed && f.Viewer != 0 {
		where = append(where, `NOT EXISTS (SELECT 1 FROM event_reviews r WHERE r.event_id = e.id AND r.user_id = ?)`)
		args = append(args, f.Viewer)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultEventLimit
	}
	limit = min(limit, MaxEventLimit)
	q := `SELECT ` + eventColumns + ` FROM events e`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY e.start_ns DESC, e.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if f.Viewer != 0 {
		if err := s.FillReviewed(ctx, f.Viewer, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetEvent returns one event by id (without its snapshot bytes).
func (s *Store) GetEvent(ctx context.Context, id int64) (*Event, error) {
	e, err := scanEvent(s.db.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	return e, err
}

// EventSnapshot returns an event's snapshot JPEG.
func (s *Store) EventSnapshot(ctx context.Context, id int64) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT jpeg FROM event_snapshots WHERE event_id = ?`, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("snapshot of event %d: %w", id, ErrNotFound)
	}
	return b, err
}

// DeleteEventsBefore deletes the events of a camera ("" = every camera) that ended before t,
// with their snapshots, and says how many went. Open events stay.
func (s *Store) DeleteEventsBefore(ctx context.Context, cameraID string, t time.Time) (int64, error) {
	q := `DELETE FROM events WHERE end_ns IS NOT NULL AND end_ns < ?`
	args := []any{t.UnixNano()}
	if cameraID != "" {
		q += ` AND camera_id = ?`
		args = append(args, cameraID)
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CloseOpenEvents ends every event still open, at `at` (or at its start, if that is later).
// nvrd calls it on start-up: events left open by a crash or a kill get an end. It says how
// many it closed.
func (s *Store) CloseOpenEvents(ctx context.Context, at time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE events SET end_ns = MAX(start_ns, ?) WHERE end_ns IS NULL`, at.UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func scanEvent(r scanner) (*Event, error) {
	var e Event
	var start int64
	var end sql.NullInt64
	var labels, boxes string
	var rec sql.NullString
	if err := r.Scan(&e.ID, &e.CameraID, &e.Kind, &start, &end, &labels, &e.Score, &e.Text, &boxes, &rec, &e.HasSnapshot); err != nil {
		return nil, err
	}
	e.Start = time.Unix(0, start)
	if end.Valid {
		e.End = time.Unix(0, end.Int64)
	}
	if err := json.Unmarshal([]byte(labels), &e.Labels); err != nil {
		return nil, fmt.Errorf("event %d has unreadable labels: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(boxes), &e.Boxes); err != nil {
		return nil, fmt.Errorf("event %d has unreadable boxes: %w", e.ID, err)
	}
	if len(e.Boxes) == 0 {
		e.Boxes = nil
	}
	e.RecordingID = rec.String
	return &e, nil
}
