package recorder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/segments"
)

// ReconcileReport says what start-up reconciliation changed.
type ReconcileReport struct {
	TempFilesRemoved   int // half-written segments (crash while writing)
	OrphansIndexed     int // whole segment files that were on disk but not in the index
	BrokenFilesRemoved int // segment files that are not whole
	RowsDropped        int // index entries whose files are gone
	RecordingsClosed   int // recordings left open by a crash
	RecordingsRemoved  int // recordings with nothing left
	RecordingsFound    int // directories with footage but no index row
}

// reconcile makes the index and the disk agree after whatever ended the last run.
func (r *Recorder) reconcile(ctx context.Context) error {
	rep, err := Reconcile(ctx, r.opt.Store, r.root)
	if err != nil {
		return err
	}
	if rep != (ReconcileReport{}) {
		r.log.Info("recordings reconciled with the index", "temp_removed", rep.TempFilesRemoved,
			"orphans_indexed", rep.OrphansIndexed, "broken_removed", rep.BrokenFilesRemoved, "rows_dropped", rep.RowsDropped,
			"closed", rep.RecordingsClosed, "removed", rep.RecordingsRemoved, "found", rep.RecordingsFound)
	}
	return nil
}

// Reconcile compares the recordings under root with the index in st and repairs both: temp files are
// deleted, whole orphan segments indexed, index entries without files dropped, open recordings closed.
// It must run before anything writes recordings.
func Reconcile(ctx context.Context, st *store.Store, root string) (ReconcileReport, error) {
	var rep ReconcileReport
	recs, err := st.AllRecordings(ctx)
	if err != nil {
		return rep, fmt.Errorf("read the recordings index: %w", err)
	}
	known := map[string]bool{}
	for _, rec := range recs {
		if rec.Dir == "" { // crashed between the index row and its directory
			_ = st.DeleteRecording(ctx, rec.ID)
			rep.RecordingsRemoved++
			continue
		}
		known[filepath.Clean(rec.Dir)] = true
		if err := reconcileOne(ctx, st, root, rec, &rep); err != nil {
			return rep, err
		}
	}
	// Directories with footage that the index does not know (the index was lost or a delete was cut
	// short): index what is whole under a "recovered" recording.
	cams, _ := os.ReadDir(root)
	for _, cam := range cams {
		days, _ := os.ReadDir(filepath.Join(root, cam.Name()))
		for _, day := range days {
			ids, _ := os.ReadDir(filepath.Join(root, cam.Name(), day.Name()))
			for _, id := range ids {
				rel := filepath.Join(cam.Name(), day.Name(), id.Name())
				if !id.IsDir() || known[rel] {
					continue
				}
				if err := recoverDir(ctx, st, root, cam.Name(), rel, &rep); err != nil {
					return rep, err
				}
			}
		}
	}
	return rep, nil
}

// segFiles lists a recording directory's segment files by index, after removing temp files.
func segFiles(dir string, rep *ReconcileReport) (map[int]string, error) {
	n, err := segments.CleanTemp(dir)
	rep.TempFilesRemoved += n
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	files := map[int]string{}
	for _, e := range ents {
		name := e.Name()
		if num, ok := strings.CutSuffix(name, ".ts"); ok {
			if i, err := strconv.Atoi(num); err == nil && store.SegmentFile(i) == name {
				files[i] = filepath.Join(dir, name)
			}
		}
	}
	return files, nil
}

func reconcileOne(ctx context.Context, st *store.Store, root string, rec *store.Recording, rep *ReconcileReport) error {
	dir := filepath.Join(root, rec.Dir)
	files, err := segFiles(dir, rep)
	if err != nil {
		return fmt.Errorf("reconcile recording %d: %w", rec.ID, err)
	}
	changed := rec.Open
	if rec.Open {
		rep.RecordingsClosed++
	}
	var keep []store.SegEntry
	indexed := map[int]bool{}
	for _, s := range rec.Segments {
		if _, ok := files[s.Index]; !ok {
			rep.RowsDropped++
			changed = true
			continue
		}
		indexed[s.Index] = true
		keep = append(keep, s)
	}
	var orphans []int
	for i := range files {
		if !indexed[i] {
			orphans = append(orphans, i)
		}
	}
	sort.Ints(orphans)
	for _, i := range orphans {
		info, err := segments.ProbeSegmentFile(files[i])
		if err != nil || !info.Whole {
			_ = os.Remove(files[i])
			rep.BrokenFilesRemoved++
			continue
		}
		// An orphan is the segment written just before a crash: it follows the last indexed one.
		var off time.Duration
		if len(keep) > 0 {
			last := keep[len(keep)-1]
			off = last.Offset + last.Duration
		}
		keep = append(keep, store.SegEntry{Index: i, Offset: off, Duration: info.Duration, Bytes: info.Bytes, Keyframes: info.Keyframes})
		rep.OrphansIndexed++
		changed = true
	}
	if len(keep) == 0 {
		_ = os.RemoveAll(dir)
		rep.RecordingsRemoved++
		return st.DeleteRecording(ctx, rec.ID)
	}
	if changed {
		sort.Slice(keep, func(a, b int) bool { return keep[a].Index < keep[b].Index })
		return st.ReplaceSegments(ctx, rec.ID, rec.Start, keep)
	}
	return nil
}

func recoverDir(ctx context.Context, st *store.Store, root, camera, rel string, rep *ReconcileReport) error {
	dir := filepath.Join(root, rel)
	files, err := segFiles(dir, rep)
	if err != nil {
		return err
	}
	idx := make([]int, 0, len(files))
	for i := range files {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var segs []store.SegEntry
	var off time.Duration
	var first time.Time
	var firstPTS int64
	for _, i := range idx {
		info, err := segments.ProbeSegmentFile(files[i])
		if err != nil || !info.Whole {
			_ = os.Remove(files[i])
			rep.BrokenFilesRemoved++
			continue
		}
		if len(segs) == 0 {
			firstPTS = info.FirstPTS
			if first.IsZero() {
				// No sidecar: the file's modification time less its duration is close.
				if fi, err := os.Stat(files[i]); err == nil {
					first = fi.ModTime().Add(-info.Duration)
				}
			}
		} else {
			off = segmentOffset(off, firstPTS, info.FirstPTS)
		}
		segs = append(segs, store.SegEntry{Index: i, Offset: off, Duration: info.Duration, Bytes: info.Bytes, Keyframes: info.Keyframes})
		off += info.Duration
	}
	if len(segs) == 0 {
		return os.RemoveAll(dir)
	}
	row := &store.Recording{CameraID: camera, Kind: store.KindEvent, Reason: "recovered", Start: first, Dir: rel}
	if sc, ok := readSidecar(dir); ok {
		// The sidecar holds the recording's own wall-clock start, kind and reason.
		row.Kind, row.Reason, row.Start = sc.Kind, sc.Reason, time.Unix(0, sc.StartNS)
		if sc.Camera != "" {
			row.CameraID = sc.Camera
		}
	}
	created := false
	if id, err := strconv.ParseInt(filepath.Base(rel), 10, 64); err == nil && id > 0 {
		// The recording keeps the id its directory is named after, so no new recording reuses it.
		if created, err = st.CreateRecordingWithID(ctx, id, row); err != nil {
			return err
		}
	}
	if !created {
		if err := st.CreateRecording(ctx, row); err != nil {
			return err
		}
	}
	rep.RecordingsFound++
	rep.OrphansIndexed += len(segs)
	return st.ReplaceSegments(ctx, row.ID, row.Start, segs)
}

// segmentOffset is the offset of the next segment of a recovered recording: where the previous one
// ended (next), or later by the gap its PTS shows (a segment lost to a write error), when the PTS
// difference from the first segment is plausible (not a worker restart or a wrap).
func segmentOffset(next time.Duration, firstPTS, pts int64) time.Duration {
	d := time.Duration((pts-firstPTS)&(1<<33-1)) * time.Second / 90000
	if d > next && d < next+10*time.Minute {
		return d
	}
	return next
}
