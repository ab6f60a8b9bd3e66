package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// addFootage indexes a closed recording of camera cam: n segments of d each from start, with no files.
func addFootage(t testing.TB, st *store.Store, cam string, start time.Time, n int, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	rec := &store.Recording{CameraID: cam, Kind: store.KindContinuous, Reason: "continuous", Start: start, Dir: cam + "/" + start.Format("150405.000")}
	if err := st.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	segs := make([]store.SegEntry, n)
	for i := range segs {
		segs[i] = store.SegEntry{Index: i, Offset: time.Duration(i) * d, Duration: d, Bytes: 1000, Keyframes: 1}
	}
	if err := st.ReplaceSegments(ctx, rec.ID, start, segs); err != nil {
		t.Fatal(err)
	}
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func getTimeline(t *testing.T, e *testEnv, tok string, since, until time.Time, step string) (int, timelineJSON, string) {
	t.Helper()
	q := url.Values{"since": {rfc(since)}, "until": {rfc(until)}}
	if step != "" {
		q.Set("step", step)
	}
	code, body := e.do(t, "GET", "/api/cameras/yard/timeline?"+q.Encode(), tok, "", nil)
	var out timelineJSON
	if code == 200 {
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("timeline: %v: %s", err, body)
		}
	}
	return code, out, body
}

// TestTimelineKeepsGapsAtItsResolution: two minutes of footage with a one-minute gap between them are
// two spans at a one-second step and one span at a two-minute step (the gap is under a step); the
// events are markers and motion draws the activity strip.
func TestTimelineKeepsGapsAtItsResolution(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	addFootage(t, e.st, "yard", t0, 30, 2*time.Second)                    // 10:00:00–10:01:00
	addFootage(t, e.st, "yard", t0.Add(2*time.Minute), 30, 2*time.Second) // 10:02:00–10:03:00
	for _, ev := range []store.Event{
		{CameraID: "yard", Kind: store.EventMotion, Start: t0.Add(10 * time.Second), End: t0.Add(20 * time.Second)},
		{CameraID: "yard", Kind: store.EventMotion, Start: t0.Add(22 * time.Second), End: t0.Add(25 * time.Second)},
		{CameraID: "yard", Kind: store.EventObject, Start: t0.Add(130 * time.Second), End: t0.Add(135 * time.Second), Labels: []string{"person"}},
		{CameraID: "house", Kind: store.EventObject, Start: t0.Add(40 * time.Second), End: t0.Add(45 * time.Second)},
	} {
		if err := e.st.CreateEvent(ctx, &ev); err != nil {
			t.Fatal(err)
		}
	}
	since, until := t0.Add(-time.Minute), t0.Add(4*time.Minute)
	code, tl, body := getTimeline(t, e, e.with, since, until, "1")
	if code != 200 {
		t.Fatalf("timeline: HTTP %d %s", code, body)
	}
	want := []timelineSpanJSON{{formatTime(t0), formatTime(t0.Add(time.Minute))},
		{formatTime(t0.Add(2 * time.Minute)), formatTime(t0.Add(3 * time.Minute))}}
	if len(tl.Spans) != 2 || tl.Spans[0] != want[0] || tl.Spans[1] != want[1] {
		t.Errorf("spans at 1 s: %+v, want %+v (a gap from 10:01 to 10:02)", tl.Spans, want)
	}
	// At 1 s the two motion events (2 s apart, under 4 steps) are one marker of two; the object is its own.
	if len(tl.Events) != 2 || tl.Events[0].Kind != "motion" || tl.Events[0].Count != 2 || tl.Events[1].Kind != "object" ||
		tl.Events[1].Start != formatTime(t0.Add(130*time.Second)) {
		t.Errorf("markers at 1 s: %+v, want motion×2 then the yard object at 10:02:10 (not house's)", tl.Events)
	}
	if len(tl.Activity) != 300 || tl.Activity[70] != '9' || tl.Activity[69] != '0' || tl.Activity[81] != '0' || tl.Activity[82] != '9' {
		t.Errorf("activity strip: %q, want 300 steps with motion in steps 70–79 and 82–84 (10:00:10–20, 10:00:22–25)", tl.Activity)
	}
	// At a two-minute step the gap is under a step: one span.
	_, tl, body = getTimeline(t, e, e.with, since, until, "120")
	if len(tl.Spans) != 1 || tl.Spans[0].Start != formatTime(t0) || tl.Spans[0].End != formatTime(t0.Add(3*time.Minute)) {
		t.Errorf("spans at 120 s: %s, want one span 10:00–10:03", body)
	}
	// Clipped to the window.
	_, tl, _ = getTimeline(t, e, e.with, t0.Add(30*time.Second), t0.Add(150*time.Second), "1")
	if len(tl.Spans) != 2 || tl.Spans[0].Start != formatTime(t0.Add(30*time.Second)) || tl.Spans[1].End != formatTime(t0.Add(150*time.Second)) {
		t.Errorf("clipped spans: %+v", tl.Spans)
	}
	// A stranger may not; a step too fine for the span is a sentence.
	if code, _, _ := getTimeline(t, e, e.without, since, until, ""); code != 403 {
		t.Errorf("stranger: HTTP %d, want 403", code)
	}
	if code, _, body := getTimeline(t, e, e.with, since, until.Add(24*time.Hour), "0.01"); code != 400 || !strings.Contains(body, "make it at least") {
		t.Errorf("too fine a step: HTTP %d %s", code, body)
	}
}

// TestTimelineDaysInTheCallersZone: footage from 23:30 to 00:30 UTC is on two UTC days, and on one
// day in a zone two hours east.
func TestTimelineDaysInTheCallersZone(t *testing.T) {
	e := newEnv(t)
	t0 := time.Date(2026, 11, 3, 23, 30, 0, 0, time.UTC)
	addFootage(t, e.st, "yard", t0, 1800, 2*time.Second)
	addFootage(t, e.st, "yard", t0.Add(72*time.Hour), 10, 2*time.Second)
	since, until := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for tz, want := range map[string]string{"": `["2026-11-03","2026-11-04","2026-11-06"]`, "Africa/Cairo": `["2026-11-04","2026-11-07"]`} {
		q := url.Values{"since": {rfc(since)}, "until": {rfc(until)}, "tz": {tz}}
		code, body := e.do(t, "GET", "/api/cameras/yard/timeline/days?"+q.Encode(), e.with, "", nil)
		var out struct{ Days []string }
		_ = json.Unmarshal([]byte(body), &out)
		if b, _ := json.Marshal(out.Days); code != 200 || string(b) != want {
			t.Errorf("days tz=%q: HTTP %d %s, want %s", tz, code, body, want)
		}
	}
	q := url.Values{"since": {rfc(since)}, "until": {rfc(until)}, "tz": {"Mars/Olympus"}}
	if code, body := e.do(t, "GET", "/api/cameras/yard/timeline/days?"+q.Encode(), e.with, "", nil); code != 400 || !strings.Contains(body, "time zone") {
		t.Errorf("bad tz: HTTP %d %s", code, body)
	}
}

// TestExportJobReportsFailureAndIsPrivate: an export job over footage whose files are gone ends
// "failed" with the reason, pushed over its event stream; another user cannot see it; DELETE removes it.
func TestExportJobReportsFailureAndIsPrivate(t *testing.T) {
	e := newEnv(t)
	first, err := e.st.GetRecording(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"since": {rfc(first.Start.Add(-time.Second))}, "until": {rfc(first.Start.Add(10 * time.Second))}}
	code, body := e.do(t, "POST", "/api/cameras/yard/exports?"+q.Encode(), e.with, "{}", nil)
	var job exportJobJSON
	if err := json.Unmarshal([]byte(body), &job); code != 202 || err != nil || job.ID == "" || job.SegmentsTotal != 1 ||
		!strings.HasPrefix(job.Name, "yard_") {
		t.Fatalf("start: HTTP %d %s", code, body)
	}
	if code, _ := e.do(t, "GET", "/api/exports/"+job.ID, e.admin, "", nil); code != 404 {
		t.Errorf("someone else's job: HTTP %d, want 404", code)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/exports/"+job.ID, nil)
	req.Header.Set("Authorization", "Bearer "+e.with)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var last exportJobJSON
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() { // the stream ends with the job
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			if err := json.Unmarshal([]byte(d), &last); err != nil {
				t.Fatal(err)
			}
		}
	}
	if last.State != "failed" || !strings.Contains(last.Error, "export failed") {
		t.Errorf("last progress event: %+v, want failed with the reason", last)
	}
	if code, body := e.do(t, "GET", "/api/exports/"+job.ID+"/file", e.with, "", nil); code != 409 {
		t.Errorf("file of a failed job: HTTP %d %s, want 409", code, body)
	}
	if code, _ := e.do(t, "DELETE", "/api/exports/"+job.ID, e.with, "", nil); code != 204 {
		t.Errorf("delete: HTTP %d", code)
	}
	if code, _ := e.do(t, "GET", "/api/exports/"+job.ID, e.with, "", nil); code != 404 {
		t.Errorf("after delete: HTTP %d, want 404", code)
	}
}

// startHeldExport starts an export job over the first recording, whose segment is a FIFO, so the
// export is held reading it until the test opens the FIFO for writing; it returns the server, the job
// and the FIFO's path.
func startHeldExport(t *testing.T, e *testEnv) (*Server, exportJobJSON, string) {
	t.Helper()
	srv := e.srv.Config.Handler.(*Server)
	first, err := e.st.GetRecording(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(srv.opt.Recorder.Root(), first.Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, store.SegmentFile(0))
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"since": {rfc(first.Start.Add(-time.Second))}, "until": {rfc(first.Start.Add(10 * time.Second))}}
	code, body := e.do(t, "POST", "/api/cameras/yard/exports?"+q.Encode(), e.with, "{}", nil)
	var job exportJobJSON
	if err := json.Unmarshal([]byte(body), &job); code != 202 || err != nil {
		t.Fatalf("start: HTTP %d %s", code, body)
	}
	return srv, job, fifo
}

// TestExportJobCancel: DELETE of a running export job ends it: the job is gone at once, and its
// goroutine stops and removes the half-written file. The segment is a FIFO, so the export is held
// reading it until the test lets it go.
func TestExportJobCancel(t *testing.T) {
	e := newEnv(t)
	srv, job, fifo := startHeldExport(t, e)
	srv.exports.mu.Lock()
	j := srv.exports.jobs[job.ID]
	srv.exports.mu.Unlock()
	path := j.path
	if code, body := e.do(t, "GET", "/api/exports/"+job.ID, e.with, "", nil); code != 200 || !strings.Contains(body, `"state": "running"`) {
		t.Fatalf("while held: HTTP %d %s, want running", code, body)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the export's file: %v", err)
	}
	if code, _ := e.do(t, "DELETE", "/api/exports/"+job.ID, e.with, "", nil); code != 204 {
		t.Fatalf("cancel: HTTP %d", code)
	}
	if code, body := e.do(t, "GET", "/api/exports/"+job.ID, e.with, "", nil); code != 200 {
		t.Errorf("after cancel: HTTP %d %s, want the job still there", code, body)
	}
	// Let the export read on (an empty segment): it stops and removes its file.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled export's file %s is still there", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := j.snapshot(); st.State != "canceled" {
		t.Errorf("the job ended %q (%s), want canceled", st.State, st.Error)
	}
	// Its owner is told it was cancelled; a second DELETE forgets it.
	if code, body := e.do(t, "GET", "/api/exports/"+job.ID, e.with, "", nil); code != 200 || !strings.Contains(body, `"state": "canceled"`) {
		t.Errorf("a cancelled job: HTTP %d %s, want state canceled", code, body)
	}
	if code, _ := e.do(t, "DELETE", "/api/exports/"+job.ID, e.with, "", nil); code != 204 {
		t.Errorf("remove the cancelled job: HTTP %d", code)
	}
	if code, _ := e.do(t, "GET", "/api/exports/"+job.ID, e.with, "", nil); code != 404 {
		t.Errorf("after the second DELETE: HTTP %d, want 404", code)
	}
}

// TestCloseEndsExports: Close (nvrd shutting down) cancels a running export, waits for it and leaves
// neither the job nor its file behind.
func TestCloseEndsExports(t *testing.T) {
	e := newEnv(t)
	srv, job, fifo := startHeldExport(t, e)
	srv.exports.mu.Lock()
	path := srv.exports.jobs[job.ID].path
	srv.exports.mu.Unlock()
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	// The export is held opening the FIFO; let it read on (an empty segment), as a real file would.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return after the export could go on")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the export's file after Close: %v, want it removed", err)
	}
	srv.exports.mu.Lock()
	n := len(srv.exports.jobs)
	srv.exports.mu.Unlock()
	if n != 0 {
		t.Errorf("%d export jobs after Close, want none", n)
	}
}
