package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// MaxSightings bounds the sightings stored for one event: about 40 minutes of an object seen
// on every keyframe 2 s apart. Later sightings of a longer event are not stored; the player
// draws no box past the last one.
const MaxSightings = 1200

// sightingMigrations add the sightings of object events: where the object was on each keyframe
// the detector saw it on. They go with their event (ON DELETE CASCADE), so deleting an event,
// or retention deleting the recording that held it, deletes them.
var sightingMigrations = []string{
	`CREATE TABLE IF NOT EXISTS event_sightings (
		event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
		t_ns INTEGER NOT NULL,
		label TEXT NOT NULL,
		score REAL NOT NULL,
		x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
		PRIMARY KEY (event_id, t_ns)
	) WITHOUT ROWID`,
}

// Sighting is one keyframe on which an object event's object was seen: when, as what, how sure
// the detector was, and its box as fractions of the picture (x1, y1, x2, y2, from the top-left).
type Sighting struct {
	T     time.Time
	Label string
	Score float64
	Box   [4]float64
}

// sightingJSON is the API's shape of a sighting.
type sightingJSON struct {
	T     string     `json:"t"`
	Label string     `json:"label"`
	Score float64    `json:"score"`
	Box   [4]float64 `json:"box"`
}

func (s Sighting) toJSON() sightingJSON {
	return sightingJSON{T: s.T.UTC().Format(TimeFormat), Label: s.Label, Score: s.Score, Box: s.Box}
}

func (j sightingJSON) fromJSON() (Sighting, error) {
	t, err := time.Parse(time.RFC3339Nano, j.T)
	if err != nil {
		return Sighting{}, fmt.Errorf("sighting time %q is not an RFC 3339 time", j.T)
	}
	return Sighting{T: t, Label: j.Label, Score: j.Score, Box: j.Box}, nil
}

// AddSightings stores sightings of event id, in one transaction. A sighting at a time already
// stored for the event is ignored (a retried write adds nothing), and none are stored past
// MaxSightings for the event.
func (s *Store) AddSightings(ctx context.Context, id int64, ss []Sighting) error {
	if len(ss) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_sightings WHERE event_id = ?`, id).Scan(&n); err != nil {
			return fmt.Errorf("count the sightings of event %d: %w", id, err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO event_sightings(event_id, t_ns, label, score, x1, y1, x2, y2)
			VALUES (?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, g := range ss {
			if n >= MaxSightings {
				break
			}
			res, err := st.ExecContext(ctx, id, g.T.UnixNano(), g.Label, g.Score, g.Box[0], g.Box[1], g.Box[2], g.Box[3])
			if err != nil {
				if isForeignKeyErr(err) {
					return fmt.Errorf("event %d: %w", id, ErrNotFound)
				}
				return fmt.Errorf("store a sighting of event %d: %w", id, err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
			}
		}
		return nil
	})
}

// EventSightings returns the stored sightings of event id, oldest first (none for an event
// that has none or does not exist).
func (s *Store) EventSightings(ctx context.Context, id int64) ([]Sighting, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t_ns, label, score, x1, y1, x2, y2 FROM event_sightings
		WHERE event_id = ? ORDER BY t_ns`, id)
	if err != nil {
		return nil, fmt.Errorf("read the sightings of event %d: %w", id, err)
	}
	defer rows.Close()
	var out []Sighting
	for rows.Next() {
		var g Sighting
		var t int64
		if err := rows.Scan(&t, &g.Label, &g.Score, &g.Box[0], &g.Box[1], &g.Box[2], &g.Box[3]); err != nil {
			return nil, err
		}
		g.T = time.Unix(0, t)
		out = append(out, g)
	}
	return out, rows.Err()
}

func isForeignKeyErr(err error) bool {
	return strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}
