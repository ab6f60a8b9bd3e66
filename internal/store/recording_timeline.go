package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// timelineMigrations add covering indexes for the timeline's two queries, so a month's rows are read
// from the index alone (the recordings table's rows carry their segment lists, kilobytes each).
var timelineMigrations = []string{
	`CREATE INDEX IF NOT EXISTS recordings_timeline ON recordings(camera_id, start_ns, end_ns, open, nsegs)`,
	`CREATE INDEX IF NOT EXISTS events_timeline ON events(camera_id, start_ns, end_ns, kind)`,
}

// Run is a stretch of a camera's footage with no gap in it.
type Run struct {
	Start, End time.Time
}

// RecordedRuns returns a camera's footage that overlaps [since, until), oldest first, as runs: the
// segments of every recording merged where one ends less than join before the next begins (join is at
// least a second, the jitter of segment boundaries). Runs are not clipped to the window.
//
// A month of two-second segments is 1.3 million index entries, so no Recording values are made: a
// closed recording's own runs are decoded from its packed segment list once and kept (see runsCache);
// only open or new recordings are read again.
func (s *Store) RecordedRuns(ctx context.Context, cameraID string, since, until time.Time, join time.Duration) ([]Run, error) {
	join = max(join, time.Second)
	type row struct {
		id, start, end int64
		open           bool
		nsegs          int
		runs           [][2]int64
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, start_ns, end_ns, open, nsegs FROM recordings INDEXED BY recordings_timeline
		WHERE camera_id = ? AND nsegs > 0 AND end_ns > ? AND start_ns < ? ORDER BY start_ns`,
		cameraID, since.UnixNano(), until.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("read the recordings of camera %s: %w", cameraID, err)
	}
	var recs []row
	var missing []any
	need := map[int64]int{} // id → index in recs
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.start, &r.end, &r.open, &r.nsegs); err != nil {
			rows.Close()
			return nil, err
		}
		if runs, ok := s.runs.get(r.id, r.nsegs, r.end); ok && !r.open {
			r.runs = runs
		} else {
			need[r.id] = len(recs)
			missing = append(missing, r.id)
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for len(missing) > 0 {
		chunk := missing[:min(len(missing), 500)]
		missing = missing[len(chunk):]
		rows, err := s.db.QueryContext(ctx, `SELECT id, segs FROM recordings WHERE id IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`, chunk...)
		if err != nil {
			return nil, fmt.Errorf("read the recordings of camera %s: %w", cameraID, err)
		}
		var blob []byte
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id, &blob); err != nil {
				rows.Close()
				return nil, err
			}
			r := &recs[need[id]]
			if r.runs, err = decodeRuns(r.start, blob); err != nil {
				rows.Close()
				return nil, fmt.Errorf("camera %s, recording %d: %w", cameraID, id, err)
			}
			if !r.open {
				s.runs.put(r.id, r.nsegs, r.end, r.runs)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var out []Run
	var curStart, curEnd int64
	open := false
	lo, hi, j := since.UnixNano(), until.UnixNano(), int64(join)
	for _, r := range recs {
		for _, ru := range r.runs {
			a, b := ru[0], ru[1]
			if b <= lo || a >= hi {
				continue
			}
			if open && a-curEnd < j {
				curEnd = max(curEnd, b)
				continue
			}
			if open {
				out = append(out, Run{time.Unix(0, curStart), time.Unix(0, curEnd)})
			}
			curStart, curEnd, open = a, b, true
		}
	}
	if open {
		out = append(out, Run{time.Unix(0, curStart), time.Unix(0, curEnd)})
	}
	return out, nil
}

// decodeRuns is a recording's segments (packed, from start_ns) as runs of absolute ns, joined where
// one segment ends less than a second before the next begins.
func decodeRuns(start int64, blob []byte) ([][2]int64, error) {
	var out [][2]int64
	err := eachSpan(blob, func(off, dur int64) {
		a := start + off
		b := a + dur
		if n := len(out); n > 0 && a-out[n-1][1] < int64(time.Second) && a >= out[n-1][0] {
			out[n-1][1] = max(out[n-1][1], b)
			return
		}
		out = append(out, [2]int64{a, b})
	})
	return out, err
}

// runsCache keeps closed recordings' runs (decodeRuns), keyed by id and checked against the row's
// segment count and end, so a rewritten list (start-up reconciliation) is decoded again. It holds at
// most maxCachedRuns recordings (about 100 bytes each) and starts over when full.
type runsCache struct {
	mu sync.Mutex
	m  map[int64]cachedRuns
}

type cachedRuns struct {
	nsegs int
	end   int64
	runs  [][2]int64
}

const maxCachedRuns = 100_000

func (c *runsCache) get(id int64, nsegs int, end int64) ([][2]int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[id]
	if !ok || r.nsegs != nsegs || r.end != end {
		return nil, false
	}
	return r.runs, true
}

func (c *runsCache) put(id int64, nsegs int, end int64, runs [][2]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedRuns {
		c.m = map[int64]cachedRuns{}
	}
	c.m[id] = cachedRuns{nsegs, end, runs}
}

// eachSpan calls f with the offset and duration (ns) of every entry of a packed segment list (see
// encodeSegs), without making SegEntry values.
func eachSpan(b []byte, f func(off, dur int64)) error {
	for len(b) > 0 {
		var v [5]uint64
		for i := range v {
			x, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("the recording's segment list is damaged")
			}
			v[i], b = x, b[n:]
		}
		if v[1] > 1<<53 || v[2] > 1<<53 {
			return errors.New("the recording's segment list is damaged")
		}
		f(int64(v[1])*int64(time.Microsecond), int64(v[2])*int64(time.Microsecond))
	}
	return nil
}

// EventBucket is a camera's events of one kind that start in one step of a timeline, summed up.
type EventBucket struct {
	Kind       string
	FirstID    int64         // the lowest id among them
	Start, End time.Time     // the earliest start and latest end (an event going on ends at now)
	Count      int           // how many
	Covered    time.Duration // the sum of their durations inside the window
}

// EventBuckets returns a camera's events that overlap [since, until), grouped by kind and by the step
// (of size step, counted from since) they start in, in order of their first start. The grouping is
// done by SQLite, so a month of events every few minutes comes back as a few thousand rows at most.
func (s *Store) EventBuckets(ctx context.Context, cameraID string, since, until, now time.Time, step time.Duration) ([]EventBucket, error) {
	lo, hi, n := since.UnixNano(), until.UnixNano(), now.UnixNano()
	rows, err := s.db.QueryContext(ctx, `SELECT kind, min(id), min(start_ns), max(coalesce(end_ns, ?3)), count(*),
		sum(max(min(coalesce(end_ns, ?3), ?2) - max(start_ns, ?1), 0))
		FROM events INDEXED BY events_timeline
		WHERE camera_id = ?5 AND start_ns < ?2 AND (end_ns IS NULL OR end_ns >= ?1)
		GROUP BY kind, (max(start_ns, ?1) - ?1) / ?4 ORDER BY min(start_ns)`, lo, hi, n, max(int64(step), 1), cameraID)
	if err != nil {
		return nil, fmt.Errorf("read the events of camera %s: %w", cameraID, err)
	}
	defer rows.Close()
	var out []EventBucket
	for rows.Next() {
		var e EventBucket
		var start, end, covered int64
		if err := rows.Scan(&e.Kind, &e.FirstID, &start, &end, &e.Count, &covered); err != nil {
			return nil, err
		}
		e.Start, e.End, e.Covered = time.Unix(0, start), time.Unix(0, max(end, start)), time.Duration(covered)
		out = append(out, e)
	}
	return out, rows.Err()
}
