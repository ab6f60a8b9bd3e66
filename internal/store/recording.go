package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Recording kinds.
const (
	KindEvent      = "event"
	KindContinuous = "continuous"
)

// Recording is one recording: a run of segment files in one directory.
type Recording struct {
	ID       int64
	CameraID string
	Kind     string // event | continuous
	Reason   string // what started it (motion, manual, continuous, recovered, ...)
	Start    time.Time
	End      time.Time // end of the last segment
	Open     bool      // still being written
	Bytes    int64
	Dir      string // relative to the recordings root
	// Segments, in order. Loaded by Recording and RecordingsCovering, not by ListRecordings.
	Segments []SegEntry
	NSegs    int
}

// SegEntry is one segment of a recording; its file is SegmentFile(Index) in the recording's directory.
type SegEntry struct {
	Index     int           // file number within the recording
	Offset    time.Duration // start, from the recording's start
	Duration  time.Duration
	Bytes     int64
	Keyframes int
}

// SegmentFile is the file name of segment i.
func SegmentFile(i int) string { return fmt.Sprintf("%06d.ts", i) }

// encodeSegs packs entries as unsigned varints: index, offset µs, duration µs, bytes, keyframes.
func encodeSegs(dst []byte, segs ...SegEntry) []byte {
	for _, s := range segs {
		dst = binary.AppendUvarint(dst, uint64(s.Index))
		dst = binary.AppendUvarint(dst, uint64(max(s.Offset, 0)/time.Microsecond))
		dst = binary.AppendUvarint(dst, uint64(max(s.Duration, 0)/time.Microsecond))
		dst = binary.AppendUvarint(dst, uint64(max(s.Bytes, 0)))
		dst = binary.AppendUvarint(dst, uint64(max(s.Keyframes, 0)))
	}
	return dst
}

func decodeSegs(b []byte) ([]SegEntry, error) {
	var out []SegEntry
	for len(b) > 0 {
		var v [5]uint64
		for i := range v {
			x, n := binary.Uvarint(b)
			if n <= 0 {
				return out, errors.New("the recording's segment list is damaged")
			}
			v[i], b = x, b[n:]
		}
		// Values no writer makes (offsets past centuries would overflow a Duration) mean damage.
		if v[0] > 1<<31 || v[1] > 1<<53 || v[2] > 1<<53 || v[3] > 1<<62 || v[4] > 1<<31 {
			return out, errors.New("the recording's segment list is damaged")
		}
		out = append(out, SegEntry{Index: int(v[0]), Offset: time.Duration(v[1]) * time.Microsecond,
			Duration: time.Duration(v[2]) * time.Microsecond, Bytes: int64(v[3]), Keyframes: int(v[4])})
	}
	return out, nil
}

// CreateRecording inserts an open, empty recording and sets r.ID.
func (s *Store) CreateRecording(ctx context.Context, r *Recording) error {
	if r.End.IsZero() {
		r.End = r.Start
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO recordings(camera_id, kind, reason, start_ns, end_ns, open, dir, gaps) VALUES (?,?,?,?,?,?,?,'')`,
		r.CameraID, r.Kind, r.Reason, r.Start.UnixNano(), r.End.UnixNano(), r.Open, r.Dir)
	if err != nil {
		return fmt.Errorf("index a new recording: %w", err)
	}
	r.ID, err = res.LastInsertId()
	return err
}

// SetRecordingDir records where the recording's files are (known once the id is).
func (s *Store) SetRecordingDir(ctx context.Context, id int64, dir string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE recordings SET dir=? WHERE id=?`, dir, id)
	return err
}

// AppendSegment adds a segment that is already durable on disk.
func (s *Store) AppendSegment(ctx context.Context, id int64, seg SegEntry, end time.Time) error {
	// The gap summary (recording_timeline.go) grows in the same statement, so it is never behind the
	// segment list: a segment that begins a second or more after the footage so far ends (or, the
	// first one, after the recording's start) adds the gap before it.
	off := int64(max(seg.Offset, 0) / time.Microsecond)
	_, err := s.db.ExecContext(ctx, `UPDATE recordings SET segs = segs || ?1, nsegs = nsegs + 1, bytes = bytes + ?2,
		end_ns = max(end_ns, ?3),
		gaps = CASE WHEN gaps IS NOT NULL AND ((nsegs = 0 AND ?5 > 0) OR start_ns + ?5 * 1000 - end_ns >= 1000000000)
			THEN gaps || ((end_ns - start_ns) / 1000) || ' ' || ?5 || ',' ELSE gaps END
		WHERE id = ?4`, encodeSegs(nil, seg), seg.Bytes, end.UnixNano(), id, off)
	if err != nil {
		return fmt.Errorf("index segment %d of recording %d: %w", seg.Index, id, err)
	}
	return nil
}

// CloseRecording marks a recording finished.
func (s *Store) CloseRecording(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE recordings SET open = 0 WHERE id = ?`, id)
	return err
}

// ReplaceSegments rewrites a recording's segment list (start-up reconciliation) and closes it.
func (s *Store) ReplaceSegments(ctx context.Context, id int64, start time.Time, segs []SegEntry) error {
	var bytes int64
	end := start
	for _, sg := range segs {
		bytes += sg.Bytes
		if e := start.Add(sg.Offset + sg.Duration); e.After(end) {
			end = e
		}
	}
	blob := encodeSegs(nil, segs...)
	runs, err := decodeRuns(start.UnixNano(), blob)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE recordings SET segs = ?, nsegs = ?, bytes = ?, end_ns = ?, open = 0, gaps = ? WHERE id = ?`,
		blob, len(segs), bytes, end.UnixNano(), encodeGaps(start.UnixNano(), runs), id)
	return err
}

const recCols = `id, camera_id, kind, reason, start_ns, end_ns, open, bytes, dir, nsegs`

func scanRecording(sc interface{ Scan(...any) error }, withSegs bool) (*Recording, error) {
	var r Recording
	var start, end int64
	var blob []byte
	dest := []any{&r.ID, &r.CameraID, &r.Kind, &r.Reason, &start, &end, &r.Open, &r.Bytes, &r.Dir, &r.NSegs}
	if withSegs {
		dest = append(dest, &blob)
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	r.Start, r.End = time.Unix(0, start), time.Unix(0, end)
	if withSegs {
		segs, err := decodeSegs(blob)
		if err != nil {
			return nil, fmt.Errorf("recording %d: %w", r.ID, err)
		}
		r.Segments = segs
	}
	return &r, nil
}

// GetRecording returns one recording with its segments.
func (s *Store) GetRecording(ctx context.Context, id int64) (*Recording, error) {
	r, err := scanRecording(s.db.QueryRowContext(ctx, `SELECT `+recCols+`, segs FROM recordings WHERE id = ?`, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("recording %d: %w", id, ErrNotFound)
	}
	return r, err
}

// RecordingCamera returns the camera of a recording (for permission checks).
func (s *Store) RecordingCamera(ctx context.Context, id int64) (string, error) {
	var cam string
	err := s.db.QueryRowContext(ctx, `SELECT camera_id FROM recordings WHERE id = ?`, id).Scan(&cam)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("recording %d: %w", id, ErrNotFound)
	}
	return cam, err
}

// RecordingFilter selects recordings: those of CameraIDs (nil = all) that overlap [Since, Until).
type RecordingFilter struct {
	CameraIDs    []string
	Since, Until time.Time
	Limit        int // 0 = 100, at most 1000
	WithSegments bool
	Oldest       bool // oldest first (default newest first)
}

// ListRecordings returns the recordings that match f.
func (s *Store) ListRecordings(ctx context.Context, f RecordingFilter) ([]*Recording, error) {
	q := `SELECT ` + recCols
	if f.WithSegments {
		q += `, segs`
	}
	q += ` FROM recordings WHERE nsegs > 0`
	var args []any
	if f.CameraIDs != nil {
		if len(f.CameraIDs) == 0 {
			return nil, nil
		}
		q += ` AND camera_id IN (?` + strings.Repeat(",?", len(f.CameraIDs)-1) + `)`
		for _, c := range f.CameraIDs {
			args = append(args, c)
		}
	}
	if !f.Since.IsZero() {
		q += ` AND end_ns > ?`
		args = append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		q += ` AND start_ns < ?`
		args = append(args, f.Until.UnixNano())
	}
	if f.Oldest {
		q += ` ORDER BY start_ns ASC`
	} else {
		q += ` ORDER BY start_ns DESC`
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q += fmt.Sprintf(` LIMIT %d`, min(f.Limit, 1000))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	defer rows.Close()
	var out []*Recording
	for rows.Next() {
		r, err := scanRecording(rows, f.WithSegments)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AllRecordings returns every recording with its segments, for start-up reconciliation.
func (s *Store) AllRecordings(ctx context.Context) ([]*Recording, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+recCols+`, segs FROM recordings ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Recording
	for rows.Next() {
		r, err := scanRecording(rows, true)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordingsEndedBefore returns a camera's closed recordings that ended before t (retention by age).
func (s *Store) RecordingsEndedBefore(ctx context.Context, cameraID string, t time.Time) ([]*Recording, error) {
	return s.queryRecordings(ctx, `WHERE camera_id = ? AND open = 0 AND end_ns < ? ORDER BY start_ns`, cameraID, t.UnixNano())
}

// OldestClosedRecording returns the oldest closed recording of a kind, or ErrNotFound.
func (s *Store) OldestClosedRecording(ctx context.Context, kind string) (*Recording, error) {
	rs, err := s.queryRecordings(ctx, `WHERE kind = ? AND open = 0 ORDER BY start_ns LIMIT 1`, kind)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, ErrNotFound
	}
	return rs[0], nil
}

// RecordingCameras lists the cameras that have recordings (including removed cameras).
func (s *Store) RecordingCameras(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT camera_id FROM recordings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RecordingBytes is the size of all recordings.
func (s *Store) RecordingBytes(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT sum(bytes) FROM recordings`).Scan(&n)
	return n.Int64, err
}

// RecordingAt returns the id of the camera's recording that covers t, or 0.
func (s *Store) RecordingAt(ctx context.Context, cameraID string, t time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM recordings WHERE camera_id = ? AND start_ns <= ? AND (end_ns >= ? OR open = 1)
		ORDER BY start_ns DESC LIMIT 1`, cameraID, t.UnixNano(), t.UnixNano()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func (s *Store) queryRecordings(ctx context.Context, where string, args ...any) ([]*Recording, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+recCols+` FROM recordings `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Recording
	for rows.Next() {
		r, err := scanRecording(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
