package recorder

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// TestRetentionBudgetDeletesTheOlderOfTwo pins "oldest first" within a kind: the budget is exceeded by
// one recording's worth, so exactly one of two recordings of the same kind goes, and it is the older by
// start time (created second, so an order by row id would pick the wrong one).
func TestRetentionBudgetDeletesTheOlderOfTwo(t *testing.T) {
	for _, kind := range []string{store.KindContinuous, store.KindEvent} {
		t.Run(kind, func(t *testing.T) {
			now := time.Now()
			// Two recordings of 2 × 1000 bytes over a budget of 3000: one must go, one may stay.
			r, st := newTestRecorder(t, Options{MaxBytes: 3000})
			newer := addRecording(t, r, st, "a", kind, now.Add(-time.Hour), 2, false)
			older := addRecording(t, r, st, "b", kind, now.Add(-2*time.Hour), 2, false)
			if n := r.ApplyRetention(context.Background()); n != 1 {
				t.Fatalf("retention deleted %d recordings, want 1", n)
			}
			left := ids(t, st)
			if left[older.ID] || !left[newer.ID] {
				t.Fatalf("left %v: want the older recording %d deleted and the newer %d kept", left, older.ID, newer.ID)
			}
			if _, err := os.Stat(filepath.Join(r.Root(), older.Dir)); !os.IsNotExist(err) {
				t.Errorf("the deleted recording's files are still there: %v", err)
			}
			if _, err := os.Stat(filepath.Join(r.Root(), newer.Dir)); err != nil {
				t.Errorf("the kept recording's files: %v", err)
			}
		})
	}
}
