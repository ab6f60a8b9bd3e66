package recorder

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// ErrNoFootage says that nothing was recorded in the span asked for.
var ErrNoFootage = errors.New("nothing was recorded in that span")

// ExportSpan is what an export covers: the segment files, in order, and the time they span.
type ExportSpan struct {
	Paths      []string
	Pieces     []Piece // the same segments, described
	Start, End time.Time
	Bytes      int64
}

// Footage is how much video the span holds: the sum of its segments, less than End−Start when the
// span has gaps between recordings.
func (sp ExportSpan) Footage() time.Duration {
	var d time.Duration
	for _, p := range sp.Pieces {
		d += p.Duration
	}
	return d
}

// Piece is one recorded segment in a span.
type Piece struct {
	Recording int64
	Index     int // the segment's number in its recording (store.SegmentFile)
	Start     time.Time
	Duration  time.Duration
}

// FindFootage returns the segment files of a camera that overlap [since, until), oldest first, taken
// from the index under root (never from a path given by a client).
func FindFootage(ctx context.Context, st *store.Store, root, cameraID string, since, until time.Time) (ExportSpan, error) {
	var sp ExportSpan
	recs, err := st.ListRecordings(ctx, store.RecordingFilter{CameraIDs: []string{cameraID}, Since: since, Until: until,
		Limit: 1000, WithSegments: true, Oldest: true})
	if err != nil {
		return sp, err
	}
	for _, rec := range recs {
		for _, sg := range rec.Segments {
			start := rec.Start.Add(sg.Offset)
			end := start.Add(sg.Duration)
			if !end.After(since) || !start.Before(until) {
				continue
			}
			if sp.Start.IsZero() {
				sp.Start = start
			}
			sp.End = end
			sp.Bytes += sg.Bytes
			sp.Paths = append(sp.Paths, filepath.Join(root, rec.Dir, store.SegmentFile(sg.Index)))
			sp.Pieces = append(sp.Pieces, Piece{Recording: rec.ID, Index: sg.Index, Start: start, Duration: sg.Duration})
		}
	}
	if len(sp.Paths) == 0 {
		return sp, ErrNoFootage
	}
	return sp, nil
}
