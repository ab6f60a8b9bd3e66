package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// timelineMigrations keep, per recording, a summary of the gaps inside its footage (gaps: text, NULL
// until known) and a covering index over it, so the timeline reads a month from the index alone and
// never decodes a segment list (a recordings row carries its list, kilobytes each). The events index
// does the same for the event markers.
var timelineMigrations = []string{
	`DROP INDEX IF EXISTS recordings_timeline`,
	`ALTER TABLE recordings ADD COLUMN gaps TEXT`,
	`CREATE INDEX IF NOT EXISTS recordings_runs ON recordings(camera_id, start_ns, end_ns, nsegs, gaps)`,
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
// A month of two-second segments is 1.3 million index entries, so no segment list is read: each
// recording's runs come from its gap summary (recordings.gaps, kept by AppendSegment and
// ReplaceSegments in the statement that writes the list). A row without one (written before the
// column existed) is summarised from its list once, here, and the summary stored.
func (s *Store) RecordedRuns(ctx context.Context, cameraID string, since, until time.Time, join time.Duration) ([]Run, error) {
	join = max(join, time.Second)
	type row struct {
		id, start, end int64
		nsegs          int
		gaps           sql.NullString
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, start_ns, end_ns, nsegs, gaps FROM recordings INDEXED BY recordings_runs
		WHERE camera_id = ? AND nsegs > 0 AND end_ns > ? AND start_ns < ? ORDER BY start_ns`,
		cameraID, since.UnixNano(), until.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("read the recordings of camera %s: %w", cameraID, err)
	}
	var recs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.start, &r.end, &r.nsegs, &r.gaps); err != nil {
			rows.Close()
			return nil, err
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Run
	var curStart, curEnd int64
	open := false
	lo, hi, j := since.UnixNano(), until.UnixNano(), int64(join)
	add := func(a, b int64) {
		if b <= lo || a >= hi || b <= a {
			return
		}
		if open && a-curEnd < j {
			curEnd = max(curEnd, b)
			return
		}
		if open {
			out = append(out, Run{time.Unix(0, curStart), time.Unix(0, curEnd)})
		}
		curStart, curEnd, open = a, b, true
	}
	for _, r := range recs {
		if !r.gaps.Valid {
			g, err := s.summariseGaps(ctx, r.id, r.start, r.nsegs)
			if err != nil {
				return nil, fmt.Errorf("camera %s, recording %d: %w", cameraID, r.id, err)
			}
			r.gaps = sql.NullString{String: g, Valid: true}
		}
		if err := eachRun(r.start, r.end, r.gaps.String, add); err != nil {
			return nil, fmt.Errorf("camera %s, recording %d: %w", cameraID, r.id, err)
		}
	}
	if open {
		out = append(out, Run{time.Unix(0, curStart), time.Unix(0, curEnd)})
	}
	return out, nil
}

// summariseGaps makes a recording's gap summary from its segment list and stores it, unless a segment
// was added meanwhile (the next reader summarises again).
func (s *Store) summariseGaps(ctx context.Context, id, start int64, nsegs int) (string, error) {
	var blob []byte
	if err := s.db.QueryRowContext(ctx, `SELECT segs FROM recordings WHERE id = ?`, id).Scan(&blob); err != nil {
		return "", fmt.Errorf("read the segment list: %w", err)
	}
	runs, err := decodeRuns(start, blob)
	if err != nil {
		return "", err
	}
	g := encodeGaps(start, runs)
	if _, err := s.db.ExecContext(ctx, `UPDATE recordings SET gaps = ? WHERE id = ? AND nsegs = ? AND gaps IS NULL`, g, id, nsegs); err != nil {
		return "", fmt.Errorf("store the gap summary: %w", err)
	}
	return g, nil
}

// encodeGaps writes the gaps before and between runs (absolute ns, from decodeRuns) as the gap
// summary: "from to," per gap, in µs from the recording's start; "" for footage without a gap.
func encodeGaps(start int64, runs [][2]int64) string {
	var b strings.Builder
	end := start
	for _, r := range runs {
		if r[0] > end {
			fmt.Fprintf(&b, "%d %d,", (end-start)/int64(time.Microsecond), (r[0]-start)/int64(time.Microsecond))
		}
		end = max(end, r[1])
	}
	return b.String()
}

// eachRun calls f with the runs (absolute ns) of a recording from start to end with the given gap
// summary: the footage between its gaps.
func eachRun(start, end int64, gaps string, f func(a, b int64)) error {
	a := start
	for gaps != "" {
		g, rest, ok := strings.Cut(gaps, ",")
		from, to, ok2 := strings.Cut(g, " ")
		x, err1 := strconv.ParseInt(from, 10, 64)
		y, err2 := strconv.ParseInt(to, 10, 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || y < x {
			return errors.New("the recording's gap summary is damaged")
		}
		f(a, min(start+x*int64(time.Microsecond), end))
		a = max(a, start+y*int64(time.Microsecond))
		gaps = rest
	}
	f(a, end)
	return nil
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
