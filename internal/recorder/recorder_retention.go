package recorder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

func (r *Recorder) retentionLoop(ctx context.Context) {
	t := time.NewTicker(r.opt.RetentionEvery)
	defer t.Stop()
	for {
		r.ApplyRetention(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kickRet:
		}
	}
}

// ApplyRetention deletes what retention says must go: recordings older than their camera's max age,
// then the finished events no recording holds that are older than their camera's max age, then, while
// the disk budget is exceeded or the volume is short of free space, the oldest finished continuous
// recordings and after them the oldest finished event recordings. A recording in progress is never
// deleted; a recording's events go with it (store.DeleteRecording). It returns the number of
// recordings deleted.
func (r *Recorder) ApplyRetention(ctx context.Context) int {
	st := r.opt.Store
	deleted := 0
	maxAge := map[string]time.Duration{}
	if cams, err := st.Cameras(ctx); err == nil {
		for _, c := range cams {
			if c.Record.MaxAgeDays > 0 {
				maxAge[c.ID] = time.Duration(c.Record.MaxAgeDays) * 24 * time.Hour
			}
		}
	}
	now := r.opt.Now()
	cams, err := st.RecordingCameras(ctx)
	if err != nil {
		r.log.Warn("retention cannot read the index", "err", err)
		return 0
	}
	for _, cam := range cams {
		age := maxAge[cam]
		if age == 0 {
			age = DefaultMaxAge
		}
		old, err := st.RecordingsEndedBefore(ctx, cam, now.Add(-age))
		if err != nil {
			continue
		}
		for _, rec := range old {
			if r.deleteRecording(ctx, rec, fmt.Sprintf("older than %d days", int(age.Hours()/24))) {
				deleted++
			}
		}
	}
	r.deleteUnrecordedEvents(ctx, maxAge, now)
	for i := 0; i < 100000; i++ {
		why := r.spaceShort(ctx)
		if why == "" {
			break
		}
		rec, err := st.OldestClosedRecording(ctx, store.KindContinuous)
		if errors.Is(err, store.ErrNotFound) {
			rec, err = st.OldestClosedRecording(ctx, store.KindEvent)
		}
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				r.log.Warn("recordings disk is short of space but only recordings in progress are left", "why", why)
			}
			break
		}
		if !r.deleteRecording(ctx, rec, why) {
			break
		}
		deleted++
	}
	return deleted
}

// spaceShort says why space is short, or "".
func (r *Recorder) spaceShort(ctx context.Context) string {
	if r.opt.MaxBytes > 0 {
		if n, err := r.opt.Store.RecordingBytes(ctx); err == nil && n > r.opt.MaxBytes {
			return fmt.Sprintf("recordings use %d bytes, over the budget of %d", n, r.opt.MaxBytes)
		}
	}
	if r.opt.MinFreePercent > 0 {
		var fs syscall.Statfs_t
		if err := syscall.Statfs(r.root, &fs); err == nil && fs.Blocks > 0 {
			free := float64(fs.Bavail) / float64(fs.Blocks) * 100
			if free < r.opt.MinFreePercent {
				return fmt.Sprintf("the volume has %.1f %% free, under the minimum of %.1f %%", free, r.opt.MinFreePercent)
			}
		}
	}
	return ""
}

// deleteRecording removes the files first and the index row after: a crash in between leaves a row
// whose files are gone, which start-up reconciliation drops.
func (r *Recorder) deleteRecording(ctx context.Context, rec *store.Recording, why string) bool {
	if rec.Dir != "" {
		if err := os.RemoveAll(filepath.Join(r.root, rec.Dir)); err != nil {
			r.log.Warn("retention cannot delete a recording", "recording", rec.ID, "err", err)
			return false
		}
	}
	if err := r.opt.Store.DeleteRecording(ctx, rec.ID); err != nil {
		r.log.Warn("retention cannot delete a recording from the index", "recording", rec.ID, "err", err)
		return false
	}
	r.log.Info("recording deleted by retention", "recording", rec.ID, "camera", rec.CameraID, "kind", rec.Kind,
		"start", rec.Start.Format(time.RFC3339), "why", why)
	return true
}

// deleteUnrecordedEvents deletes the finished events that no recording holds once they are older than
// their camera's max age (the default for cameras without one, or removed).
func (r *Recorder) deleteUnrecordedEvents(ctx context.Context, maxAge map[string]time.Duration, now time.Time) {
	cutoffs := make(map[string]time.Time, len(maxAge))
	for cam, age := range maxAge {
		cutoffs[cam] = now.Add(-age)
	}
	n, err := r.opt.Store.DeleteUnrecordedEvents(ctx, cutoffs, now.Add(-DefaultMaxAge))
	if err != nil {
		r.log.Warn("retention cannot delete old events", "err", err)
		return
	}
	if n > 0 {
		r.log.Info("events without a recording deleted by retention", "events", n)
	}
}
