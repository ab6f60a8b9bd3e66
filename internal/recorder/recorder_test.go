package recorder

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/segments"
	"github.com/nvrproject/nvr/pkg/testskip"
)

func newTestRecorder(t *testing.T, opt Options) (*Recorder, *store.Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opt.Store, opt.DataDir, opt.RAMDir = st, filepath.Join(dir, "data"), filepath.Join(dir, "ram")
	if opt.MinFreePercent == 0 {
		opt.MinFreePercent = -1 // the test machine's disk is not what is tested
	}
	r, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return r, st
}

// addRecording writes a recording of n fake segments (bytes only) and indexes it.
func addRecording(t *testing.T, r *Recorder, st *store.Store, cam, kind string, start time.Time, n int, open bool) *store.Recording {
	t.Helper()
	ctx := context.Background()
	rec := &store.Recording{CameraID: cam, Kind: kind, Reason: "test", Start: start, Open: true}
	if err := st.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Dir = filepath.Join(cam, start.UTC().Format("2006-01-02"), strconv.FormatInt(rec.ID, 10))
	if err := st.SetRecordingDir(ctx, rec.ID, rec.Dir); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(r.Root(), rec.Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		data := make([]byte, 1000)
		if err := os.WriteFile(filepath.Join(dir, store.SegmentFile(i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		seg := store.SegEntry{Index: i, Offset: time.Duration(i) * 2 * time.Second, Duration: 2 * time.Second, Bytes: 1000, Keyframes: 2}
		if err := st.AppendSegment(ctx, rec.ID, seg, start.Add(time.Duration(i+1)*2*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if !open {
		if err := st.CloseRecording(ctx, rec.ID); err != nil {
			t.Fatal(err)
		}
	}
	return rec
}

func ids(t *testing.T, st *store.Store) map[int64]bool {
	t.Helper()
	rs, err := st.AllRecordings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for _, r := range rs {
		out[r.ID] = true
	}
	return out
}

func TestRetentionByAge(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r, st := newTestRecorder(t, Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	cam := &store.Camera{Name: "Short", URL: "demo://", CameraSettings: store.DefaultSettings()}
	cam.Record.MaxAgeDays = 2
	if err := st.CreateCamera(ctx, cam); err != nil {
		t.Fatal(err)
	}
	old := addRecording(t, r, st, "short", store.KindEvent, now.Add(-72*time.Hour), 2, false)
	young := addRecording(t, r, st, "short", store.KindEvent, now.Add(-24*time.Hour), 2, false)
	// A removed camera's footage falls under the default of 30 days.
	gone31 := addRecording(t, r, st, "removed", store.KindContinuous, now.Add(-31*24*time.Hour), 2, false)
	gone29 := addRecording(t, r, st, "removed", store.KindContinuous, now.Add(-29*24*time.Hour), 2, false)
	// An old recording still open (being written) is never deleted.
	openOld := addRecording(t, r, st, "short", store.KindContinuous, now.Add(-96*time.Hour), 2, true)

	if n := r.ApplyRetention(ctx); n != 2 {
		t.Fatalf("retention deleted %d recordings, want 2", n)
	}
	left := ids(t, st)
	for rec, want := range map[*store.Recording]bool{old: false, young: true, gone31: false, gone29: true, openOld: true} {
		if left[rec.ID] != want {
			t.Errorf("recording %d (%s, %s): kept=%v, want %v", rec.ID, rec.CameraID, rec.Start, left[rec.ID], want)
		}
		if _, err := os.Stat(filepath.Join(r.Root(), rec.Dir)); (err == nil) != want {
			t.Errorf("recording %d: files exist=%v, want %v", rec.ID, err == nil, want)
		}
	}
}

func TestRetentionByBudgetDeletesOldestContinuousFirst(t *testing.T) {
	now := time.Now()
	r, st := newTestRecorder(t, Options{MaxBytes: 7000})
	ev1 := addRecording(t, r, st, "a", store.KindEvent, now.Add(-5*time.Hour), 2, false)      // oldest of all
	co1 := addRecording(t, r, st, "a", store.KindContinuous, now.Add(-4*time.Hour), 2, false) // oldest continuous
	co2 := addRecording(t, r, st, "b", store.KindContinuous, now.Add(-3*time.Hour), 2, false)
	ev2 := addRecording(t, r, st, "b", store.KindEvent, now.Add(-2*time.Hour), 2, false)
	cur := addRecording(t, r, st, "a", store.KindContinuous, now.Add(-time.Hour), 2, true) // in progress
	// 10 segments of 1000 bytes over a budget of 7000: two recordings must go, the continuous ones.
	if n := r.ApplyRetention(context.Background()); n != 2 {
		t.Fatalf("deleted %d, want 2", n)
	}
	left := ids(t, st)
	if left[co1.ID] || left[co2.ID] || !left[ev1.ID] || !left[ev2.ID] || !left[cur.ID] {
		t.Fatalf("wrong recordings deleted: left %v (ev1 %d co1 %d co2 %d ev2 %d cur %d)", left, ev1.ID, co1.ID, co2.ID, ev2.ID, cur.ID)
	}
	// Tighter: then the oldest event recording, never the one in progress.
	r.opt.MaxBytes = 1000
	r.ApplyRetention(context.Background())
	left = ids(t, st)
	if left[ev1.ID] || left[ev2.ID] || !left[cur.ID] {
		t.Fatalf("under a tiny budget: left %v, want only the recording in progress %d", left, cur.ID)
	}
}

// tsClip makes a real 6 s TS stream with GStreamer and cuts it into 2 s segments.
func tsClip(t *testing.T) []segments.Segment {
	t.Helper()
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		testskip.Skip(t, "gst-launch-1.0 is not installed", "run make setup")
	}
	path := filepath.Join(t.TempDir(), "clip.ts")
	cmd := exec.Command("gst-launch-1.0", "-q", "videotestsrc", "num-buffers=150", "pattern=ball", "!",
		"video/x-raw,width=320,height=180,framerate=25/1", "!", "x264enc", "key-int-max=25", "option-string=scenecut=0",
		"speed-preset=ultrafast", "tune=zerolatency", "!", "h264parse", "config-interval=-1", "!", "mpegtsmux", "!", "filesink", "location="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make clip: %v %s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sg := segments.NewSegmenter(2 * time.Second)
	segs := sg.Write(data, time.Now())
	if last := sg.Flush(); last != nil {
		segs = append(segs, *last)
	}
	if len(segs) < 3 {
		t.Fatalf("clip cut into %d segments", len(segs))
	}
	return segs
}

// TestReconcileAfterCrash builds the states a kill -9 can leave and checks start-up repairs them.
func TestReconcileAfterCrash(t *testing.T) {
	segs := tsClip(t)
	r, st := newTestRecorder(t, Options{})
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	// A recording left open, with segment 0 indexed, segment 1 durable but not indexed (crash before the
	// index row), and a temp file (crash while writing segment 2).
	rec := &store.Recording{CameraID: "cam", Kind: store.KindEvent, Start: start, Open: true, Dir: "cam/d/1"}
	if err := st.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(r.Root(), rec.Dir)
	os.MkdirAll(dir, 0o755)
	if err := segments.WriteFileDurable(dir, store.SegmentFile(0), segs[0].Data); err != nil {
		t.Fatal(err)
	}
	st.AppendSegment(ctx, rec.ID, store.SegEntry{Index: 0, Duration: segs[0].Duration, Bytes: int64(len(segs[0].Data)), Keyframes: 2}, start.Add(segs[0].Duration))
	if err := segments.WriteFileDurable(dir, store.SegmentFile(1), segs[1].Data); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "."+store.SegmentFile(2)+".tmp"), segs[2].Data[:1000], 0o644)
	os.WriteFile(filepath.Join(dir, store.SegmentFile(3)), []byte("garbage that is not a TS segment"), 0o644)
	// A recording whose files were deleted by hand.
	gone := &store.Recording{CameraID: "cam", Kind: store.KindEvent, Start: start, Dir: "cam/d/2"}
	st.CreateRecording(ctx, gone)
	st.AppendSegment(ctx, gone.ID, store.SegEntry{Index: 0, Duration: time.Second, Bytes: 100}, start.Add(time.Second))

	rep, err := Reconcile(ctx, st, r.Root())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	if rep.RecordingsClosed != 1 || rep.TempFilesRemoved != 1 || rep.OrphansIndexed != 1 || rep.BrokenFilesRemoved != 1 || rep.RowsDropped != 1 || rep.RecordingsRemoved != 1 {
		t.Fatalf("reconcile report %+v", rep)
	}
	got, err := st.GetRecording(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Open || len(got.Segments) != 2 || got.Segments[1].Offset != segs[0].Duration || got.Segments[1].Keyframes == 0 {
		t.Fatalf("recording after reconcile: %+v", got)
	}
	if d := got.End.Sub(got.Start); d < 3900*time.Millisecond || d > 4100*time.Millisecond {
		t.Fatalf("recording spans %s, want 4 s", d)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if segments.IsTemp(e.Name()) {
			t.Fatalf("temp file %s left", e.Name())
		}
	}
	if _, err := st.GetRecording(ctx, gone.ID); err == nil {
		t.Fatal("a recording without files is still indexed")
	}
	// Idempotent.
	if rep, _ := Reconcile(ctx, st, r.Root()); rep != (ReconcileReport{}) {
		t.Fatalf("second reconcile changed things: %+v", rep)
	}
}
