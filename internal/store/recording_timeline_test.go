package store

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"testing"
	"time"
)

// runsFromSegs is the timeline's footage of recordings worked out from their segment lists (what the
// gap summary stands for), joined like RecordedRuns.
func runsFromSegs(t *testing.T, s *Store, ids []int64, join time.Duration) []Run {
	t.Helper()
	var out []Run
	for _, id := range ids {
		r, err := s.GetRecording(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		runs, err := decodeRuns(r.Start.UnixNano(), encodeSegs(nil, r.Segments...))
		if err != nil {
			t.Fatal(err)
		}
		for _, ru := range runs {
			a, b := time.Unix(0, ru[0]), time.Unix(0, ru[1])
			if n := len(out); n > 0 && a.Sub(out[n-1].End) < join {
				out[n-1].End = maxTime(out[n-1].End, b)
				continue
			}
			out = append(out, Run{a, b})
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func sameRuns(t *testing.T, what string, got, want []Run) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d runs, want %d:\n got %v\nwant %v", what, len(got), len(want), got, want)
	}
	for i := range got {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Fatalf("%s: run %d is %v–%v, want %v–%v", what, i, got[i].Start, got[i].End, want[i].Start, want[i].End)
		}
	}
}

// TestRecordedRunsFromGapSummary appends segments with gaps of every size (and a first segment that
// starts late) as the recorder does, and checks the timeline's runs, read from the gap summary
// alone, are those of the segment lists; then that a row without a summary (an index from before it
// existed) gives the same runs and has its summary stored.
func TestRecordedRunsFromGapSummary(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var ids []int64
	for r := range 20 {
		start := t0.Add(time.Duration(r) * 10 * time.Minute)
		rec := &Recording{CameraID: "yard", Kind: KindContinuous, Start: start, Dir: "d", Open: true}
		if err := s.CreateRecording(ctx, rec); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.ID)
		off := time.Duration(rng.IntN(3)) * 1500 * time.Millisecond // 0, 1.5 or 3 s late
		for i := range 100 {
			dur := 2*time.Second + time.Duration(rng.IntN(200))*time.Millisecond
			if err := s.AppendSegment(ctx, rec.ID, SegEntry{Index: i, Offset: off, Duration: dur, Bytes: 1000, Keyframes: 1}, start.Add(off+dur)); err != nil {
				t.Fatal(err)
			}
			// Mostly back to back; sometimes a hole under a second, sometimes seconds long.
			off += dur + []time.Duration{0, 0, 0, 0, 300 * time.Millisecond, 1200 * time.Millisecond, 7 * time.Second}[rng.IntN(7)]
		}
		if r%2 == 0 {
			if err := s.CloseRecording(ctx, rec.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	since, until := t0.Add(-time.Hour), t0.Add(5*time.Hour)
	want := runsFromSegs(t, s, ids, time.Second)
	if len(want) < 40 {
		t.Fatalf("the test made only %d runs; it means to make gaps", len(want))
	}
	got, err := s.RecordedRuns(ctx, "yard", since, until, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sameRuns(t, "from the summary", got, want)
	var gaps sql.NullString
	if err := s.DB().QueryRow(`SELECT gaps FROM recordings WHERE id = ?`, ids[0]).Scan(&gaps); err != nil || !gaps.Valid || gaps.String == "" {
		t.Fatalf("recording %d's gap summary is %+v (%v), want its gaps", ids[0], gaps, err)
	}

	// ReplaceSegments (start-up reconciliation) writes the summary of the list it writes.
	r3, err := s.GetRecording(ctx, ids[3])
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceSegments(ctx, ids[3], r3.Start, append(r3.Segments[:10:10], r3.Segments[50:]...)); err != nil {
		t.Fatal(err)
	}
	want = runsFromSegs(t, s, ids, time.Second)
	if got, err = s.RecordedRuns(ctx, "yard", since, until, time.Second); err != nil {
		t.Fatal(err)
	}
	sameRuns(t, "after ReplaceSegments", got, want)

	if _, err := s.DB().Exec(`UPDATE recordings SET gaps = NULL`); err != nil {
		t.Fatal(err)
	}
	if got, err = s.RecordedRuns(ctx, "yard", since, until, time.Second); err != nil {
		t.Fatal(err)
	}
	sameRuns(t, "without a summary", got, want)
	var missing int
	if err := s.DB().QueryRow(`SELECT count(*) FROM recordings WHERE gaps IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d recordings still have no gap summary after a read (%v)", missing, err)
	}
	// A segment appended to a summarised row keeps the summary current.
	if err := s.AppendSegment(ctx, ids[1], SegEntry{Index: 100, Offset: 9 * time.Minute, Duration: 2 * time.Second}, t0.Add(10*time.Minute+9*time.Minute+2*time.Second)); err != nil {
		t.Fatal(err)
	}
	want = runsFromSegs(t, s, ids, time.Second)
	if got, err = s.RecordedRuns(ctx, "yard", since, until, time.Second); err != nil {
		t.Fatal(err)
	}
	sameRuns(t, "after one more segment", got, want)

	// A damaged summary is an error, not wrong footage.
	if _, err := s.DB().Exec(`UPDATE recordings SET gaps = 'x' WHERE id = ?`, ids[5]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordedRuns(ctx, "yard", since, until, time.Second); err == nil {
		t.Fatal("a damaged gap summary gave no error")
	}
}
