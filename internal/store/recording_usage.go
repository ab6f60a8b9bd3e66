package store

import (
	"context"
	"time"
)

// CameraUsage is how much footage one camera keeps, for the system page and its retention forecast.
type CameraUsage struct {
	CameraID   string
	Bytes      int64     // bytes of all its recordings
	BytesSince int64     // bytes of its recordings that started at or after the asked time
	Oldest     time.Time // the start of its oldest recording
}

// RecordingUsage sums each camera's recordings, and those that started at or after since.
func (s *Store) RecordingUsage(ctx context.Context, since time.Time) ([]CameraUsage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT camera_id, SUM(bytes), SUM(CASE WHEN start_ns >= ? THEN bytes ELSE 0 END),
		MIN(start_ns) FROM recordings GROUP BY camera_id ORDER BY camera_id`, since.UnixNano())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CameraUsage
	for rows.Next() {
		var u CameraUsage
		var oldest int64
		if err := rows.Scan(&u.CameraID, &u.Bytes, &u.BytesSince, &oldest); err != nil {
			return nil, err
		}
		u.Oldest = time.Unix(0, oldest)
		out = append(out, u)
	}
	return out, rows.Err()
}
