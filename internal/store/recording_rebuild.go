package store

import (
	"context"
	"fmt"
)

// CreateRecordingWithID inserts a closed recording under a chosen id (index rebuild: the id its
// directory is named after, so new recordings never reuse a directory on disk). ok is false when the
// id is taken; then nothing is inserted.
func (s *Store) CreateRecordingWithID(ctx context.Context, id int64, r *Recording) (ok bool, err error) {
	if r.End.IsZero() {
		r.End = r.Start
	}
	res, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO recordings(id, camera_id, kind, reason, start_ns, end_ns, open, dir) VALUES (?,?,?,?,?,?,0,?)`,
		id, r.CameraID, r.Kind, r.Reason, r.Start.UnixNano(), r.End.UnixNano(), r.Dir)
	if err != nil {
		return false, fmt.Errorf("index a recovered recording: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return false, nil
	}
	r.ID = id
	return true, nil
}
