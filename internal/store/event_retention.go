package store

import (
	"context"
	"fmt"
	"time"
)

// Event retention follows the footage (docs/design.md, "Event retention"): an event is kept as long as a
// recording that holds it is kept and goes when that recording goes; an event that no recording holds
// follows its camera's max_age_days.
//
// A recording holds an event when the event is linked to it (recording_id) or, not linked yet, when the
// recording covers the event's start the way RecordingAt looks it up (start + 1 ms).

// heldBy is an SQL condition on an event e: a recording r for which extra holds (an SQL condition on r,
// "1" for any) holds e. The two cases are separate EXISTS so that each uses an index (the primary key,
// recordings_camera_start).
func heldBy(extra string) string {
	return `((e.recording_id IS NOT NULL AND EXISTS (SELECT 1 FROM recordings r WHERE r.id = CAST(e.recording_id AS INTEGER) AND ` + extra + `))
		OR (e.recording_id IS NULL AND EXISTS (SELECT 1 FROM recordings r WHERE r.camera_id = e.camera_id
			AND r.start_ns <= e.start_ns + 1000000 AND (r.end_ns >= e.start_ns + 1000000 OR r.open = 1) AND ` + extra + `)))`
}

// DeleteRecording removes a recording from the index (its files must already be gone), and with it the
// finished events that only it held, in one transaction. A recording discarded unfinished (nothing
// could be written, or a crash before its directory) takes no event with it: those events have no
// footage and age out by their camera's max_age_days.
func (s *Store) DeleteRecording(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM events AS e WHERE e.end_ns IS NOT NULL
		AND `+heldBy("r.id = ?1 AND r.open = 0")+` AND NOT `+heldBy("r.id != ?1"), id); err != nil {
		return fmt.Errorf("delete the events of recording %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM recordings WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete recording %d from the index: %w", id, err)
	}
	return tx.Commit()
}

// DeleteUnrecordedEvents deletes the finished events that no recording holds and that ended before
// their camera's cutoff (cutoffs[camera], else def), with their snapshots, in one transaction. It says
// how many went.
func (s *Store) DeleteUnrecordedEvents(ctx context.Context, cutoffs map[string]time.Time, def time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT camera_id FROM events`)
	if err != nil {
		return 0, err
	}
	var cams []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return 0, err
		}
		cams = append(cams, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var n int64
	for _, cam := range cams {
		cut, ok := cutoffs[cam]
		if !ok {
			cut = def
		}
		// start_ns < cut too (an event starts before it ends) lets the events_camera_start index serve.
		res, err := tx.ExecContext(ctx, `DELETE FROM events AS e WHERE e.camera_id = ? AND e.start_ns < ? AND e.end_ns IS NOT NULL
			AND e.end_ns < ? AND NOT `+heldBy("1"), cam, cut.UnixNano(), cut.UnixNano())
		if err != nil {
			return 0, fmt.Errorf("delete old events of camera %s: %w", cam, err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, tx.Commit()
}
