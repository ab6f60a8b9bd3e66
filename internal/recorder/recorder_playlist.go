package recorder

import (
	"context"
	"errors"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/segments"
)

// discontinuityAfter is the jump between one segment's end and the next one's start that makes the
// playlist mark a discontinuity (another recording, a restart of the camera).
const discontinuityAfter = time.Second

// RecordingPlaylist is a recording's segments as HLS playlist items, their URIs relative to the
// recording's own playlist (segments/000012.ts).
func RecordingPlaylist(rec *store.Recording) []segments.PlaylistItem {
	items := make([]segments.PlaylistItem, 0, len(rec.Segments))
	var prevEnd time.Time
	for _, sg := range rec.Segments {
		start := rec.Start.Add(sg.Offset)
		items = append(items, segments.PlaylistItem{URI: "segments/" + store.SegmentFile(sg.Index), Start: start,
			Duration: sg.Duration, Discontinuity: jumped(prevEnd, start)})
		prevEnd = start.Add(sg.Duration)
	}
	return items
}

// CameraPlaylist is a camera's footage over [since, until), across recordings, as HLS playlist items for a
// timeline; uri names a segment by its recording and file name. No footage is an empty list.
func (r *Recorder) CameraPlaylist(ctx context.Context, cameraID string, since, until time.Time,
	uri func(recording int64, file string) string) ([]segments.PlaylistItem, error) {
	sp, err := r.Footage(ctx, cameraID, since, until)
	if err != nil && !errors.Is(err, ErrNoFootage) {
		return nil, err
	}
	var items []segments.PlaylistItem
	var prevEnd time.Time
	for _, pc := range sp.Pieces {
		items = append(items, segments.PlaylistItem{URI: uri(pc.Recording, store.SegmentFile(pc.Index)),
			Start: pc.Start, Duration: pc.Duration, Discontinuity: jumped(prevEnd, pc.Start)})
		prevEnd = pc.Start.Add(pc.Duration)
	}
	return items, nil
}

// jumped says whether a segment starting at start does not follow on from one that ended at prevEnd.
func jumped(prevEnd, start time.Time) bool {
	return !prevEnd.IsZero() && start.Sub(prevEnd).Abs() > discontinuityAfter
}
