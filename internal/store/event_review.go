package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// reviewMigrations add the per-user review marks of events: a row says that user marked that
// event reviewed. Both deletions take the marks with them.
var reviewMigrations = []string{
	`CREATE TABLE IF NOT EXISTS event_reviews (
		event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
		user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		at_ns INTEGER NOT NULL,
		PRIMARY KEY (event_id, user_id)
	)`,
	`CREATE INDEX IF NOT EXISTS event_reviews_user ON event_reviews(user_id, event_id)`,
}

// SetEventReviewed marks event id reviewed by user userID (on) or takes the mark away (!on).
// Marking twice, or unmarking what is not marked, is no error. An unknown event is ErrNotFound.
func (s *Store) SetEventReviewed(ctx context.Context, id, userID int64, on bool) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1 FROM events WHERE id = ?`, id).Scan(&one); err == sql.ErrNoRows {
		return fmt.Errorf("event %d: %w", id, ErrNotFound)
	} else if err != nil {
		return err
	}
	var err error
	if on {
		_, err = s.db.ExecContext(ctx, `INSERT OR IGNORE INTO event_reviews(event_id, user_id, at_ns) VALUES (?,?,?)`,
			id, userID, time.Now().UnixNano())
	} else {
		_, err = s.db.ExecContext(ctx, `DELETE FROM event_reviews WHERE event_id = ? AND user_id = ?`, id, userID)
	}
	return err
}

// FillReviewed sets Reviewed on the events of evs that userID marked (ListEvents does it for its Viewer).
func (s *Store) FillReviewed(ctx context.Context, userID int64, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	args := []any{userID}
	for _, e := range evs {
		args = append(args, e.ID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT event_id FROM event_reviews WHERE user_id = ? AND event_id IN (?`+
		strings.Repeat(`,?`, len(evs)-1)+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	marked := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		marked[id] = true
	}
	for i := range evs {
		evs[i].Reviewed = marked[evs[i].ID]
	}
	return rows.Err()
}

// DeleteEvent deletes one event with its snapshot and review marks. The footage stays: a recording
// is kept or deleted by its own retention, whatever events it holds.
func (s *Store) DeleteEvent(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM events WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	return nil
}

// eventsTableKinds are the kinds the events table allows now; widenEventKinds rebuilds an older table.
const eventsTableKinds = `'motion','object','qr','manual','offline','tamper'`

// widenEventKinds rebuilds an events table made before the offline and tamper kinds existed: SQLite
// cannot change a CHECK constraint in place. It follows SQLite's documented table rebuild (foreign keys
// off on one connection, copy, drop, rename, indexes, check, commit), so snapshots and review marks,
// which refer to events, are kept. A table that already allows every kind is left alone.
func (s *Store) widenEventKinds(ctx context.Context) error {
	var ddl string
	if err := s.db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type='table' AND name='events'`).Scan(&ddl); err != nil {
		return fmt.Errorf("read the events table's definition: %w", err)
	}
	if strings.Contains(ddl, "'tamper'") {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys=OFF`); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys=ON`) //nolint:errcheck // the connection is closed next
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	newDDL := strings.Replace(eventMigrations[0], "CREATE TABLE IF NOT EXISTS events (", "CREATE TABLE events_new (", 1)
	if !strings.Contains(newDDL, eventsTableKinds) || !strings.Contains(newDDL, "events_new") {
		return fmt.Errorf("the events table's definition in the code does not allow %s", eventsTableKinds)
	}
	steps := []string{
		`DROP TABLE IF EXISTS events_new`,
		newDDL,
		`INSERT INTO events_new(id, camera_id, kind, start_ns, end_ns, labels, score, text, boxes, recording_id)
			SELECT id, camera_id, kind, start_ns, end_ns, labels, score, text, boxes, recording_id FROM events`,
		`DROP TABLE events`,
		`ALTER TABLE events_new RENAME TO events`,
		eventMigrations[1],
		eventMigrations[2],
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("widen the events table to the kinds %s: %w", eventsTableKinds, err)
		}
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	bad := rows.Next()
	rows.Close()
	if bad {
		return fmt.Errorf("widen the events table: foreign keys no longer match; the database was left as it was")
	}
	return tx.Commit()
}
