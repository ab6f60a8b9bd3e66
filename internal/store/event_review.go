package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
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
// cannot change a CHECK constraint in place. The new table is the old one as the database has it
// (columns added later included) with the kinds' CHECK widened; rebuildTable keeps the rows, the
// indexes and the snapshots and review marks that refer to them. A table that already allows every
// kind is left alone.
func (s *Store) widenEventKinds(ctx context.Context) error {
	have, err := s.tableDDL(ctx, "events")
	if err != nil {
		return err
	}
	if strings.Contains(have, "'tamper'") {
		return nil
	}
	check := regexp.MustCompile(`(?is)CHECK\s*\(\s*kind\s+IN\s*\([^)]*\)\s*\)`)
	if !check.MatchString(have) {
		return fmt.Errorf("widen the events table: its definition in the database has no kind check: %q", have)
	}
	newDDL, err := renameCreate("events", check.ReplaceAllLiteralString(have, "CHECK (kind IN ("+eventsTableKinds+"))"))
	if err != nil {
		return err
	}
	if err := s.rebuildTable(ctx, "events", newDDL); err != nil {
		return fmt.Errorf("widen the events table to the kinds %s: %w", eventsTableKinds, err)
	}
	return nil
}
