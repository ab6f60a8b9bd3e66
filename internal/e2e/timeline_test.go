package e2e

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/manifest"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// tlAnswer is what GET /api/cameras/{id}/timeline answers (the parts the test reads).
type tlAnswer struct {
	Spans []struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	} `json:"spans"`
	Events []struct {
		Kind  string    `json:"kind"`
		Start time.Time `json:"start"`
	} `json:"events"`
}

func (n *nvr) timeline(id string, since, until time.Time) tlAnswer {
	n.t.Helper()
	q := url.Values{"since": {since.UTC().Format(time.RFC3339Nano)}, "until": {until.UTC().Format(time.RFC3339Nano)}, "step": {"0.5"}}
	var tl tlAnswer
	if code := n.do("GET", "/api/cameras/"+id+"/timeline?"+q.Encode(), nil, &tl); code != 200 {
		n.t.Fatalf("timeline of %s: HTTP %d", id, code)
	}
	return tl
}

// waitTimeline polls camera id's timeline until cond holds.
func (n *nvr) waitTimeline(id string, since time.Time, timeout time.Duration, what string, cond func(tlAnswer) bool) tlAnswer {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		tl := n.timeline(id, since, time.Now().Add(time.Minute))
		if cond(tl) {
			return tl
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("camera %s: %s did not happen within %s: %+v", id, what, timeout, tl)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// TestWebappTimeline: two cameras record continuously; Porch is switched off for a while (a gap) and
// has a manual event. On #/timeline: the gap is drawn as a gap; a click inside Porch's footage plays it
// with the wall clock within 2 s of the instant clicked; Next event jumps to the event's start; at 4×
// the wall clock runs 2–6 s per second; with Drive ticked too, both wall clocks stay within 0.5 s; an
// export of 30 s of Drive from the page moves its progress bar, downloads <camera>_<time>.mp4, and
// ffprobe finds about 30 s of H.264 in it.
func TestWebappTimeline(t *testing.T) {
	need(t)
	needBrowser(t)
	if _, err := exec.LookPath("ffprobe"); err != nil {
		testskip.Skip(t, "ffprobe is not installed", "run make setup")
	}
	n := startNVR(t)
	camA := startCamera(t, testcam.Options{})
	camB := startCamera(t, testcam.Options{})
	mk := func(name, u string) string {
		var c map[string]any
		if code := n.do("POST", "/api/cameras", map[string]any{"name": name, "url": u, "record": map[string]any{"mode": "continuous"},
			"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}, &c); code != 201 {
			t.Fatalf("create camera %s: HTTP %d %v", name, code, c)
		}
		return c["id"].(string)
	}
	a, b := mk("Porch", camA.URL()), mk("Drive", camB.URL())
	streaming := func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming }
	n.waitStatus(a, 30*time.Second, "streaming", streaming)
	n.waitStatus(b, 30*time.Second, "streaming", streaming)
	begin := time.Now().Add(-time.Minute)
	long := func(d time.Duration) func(tlAnswer) bool {
		return func(tl tlAnswer) bool {
			return len(tl.Spans) > 0 && tl.Spans[len(tl.Spans)-1].End.Sub(tl.Spans[0].Start) >= d
		}
	}
	tlA := n.waitTimeline(a, begin, 60*time.Second, "12 s of footage", long(12*time.Second))
	a0 := tlA.Spans[0].Start
	if code := n.do("POST", "/api/cameras/"+a+"/record", map[string]any{"seconds": 3}, nil); code != 202 {
		t.Fatalf("manual event: HTTP %d", code)
	}
	n.waitTimeline(a, begin, 60*time.Second, "a manual event", func(tl tlAnswer) bool { return len(tl.Events) > 0 })
	n.waitTimeline(a, begin, 90*time.Second, "40 s of footage", long(40*time.Second))
	// Off for a while, then on again: a gap.
	if code := n.do("PATCH", "/api/cameras/"+a, map[string]any{"enabled": false}, nil); code != 200 {
		t.Fatalf("disable: HTTP %d", code)
	}
	time.Sleep(6 * time.Second) // the gap's length; nothing is waited for
	if code := n.do("PATCH", "/api/cameras/"+a, map[string]any{"enabled": true}, nil); code != 200 {
		t.Fatalf("enable: HTTP %d", code)
	}
	tlA = n.waitTimeline(a, begin, 90*time.Second, "footage after the gap", func(tl tlAnswer) bool {
		return len(tl.Spans) >= 2 && tl.Spans[len(tl.Spans)-1].End.Sub(tl.Spans[len(tl.Spans)-1].Start) > 6*time.Second
	})
	tlB := n.timeline(b, begin, time.Now().Add(time.Minute))
	if len(tlB.Spans) == 0 || tlB.Spans[len(tlB.Spans)-1].End.Sub(tlB.Spans[0].Start) < 40*time.Second {
		t.Fatalf("Drive has no 40 s of footage: %+v", tlB)
	}
	ev := tlA.Events[0].Start
	gap0, gap1 := tlA.Spans[0].End, tlA.Spans[1].Start
	if gap1.Sub(gap0) < 2*time.Second {
		t.Fatalf("the gap is only %s: %+v", gap1.Sub(gap0), tlA.Spans)
	}
	click := a0.Add(3 * time.Second)
	if !click.Before(ev.Add(-3 * time.Second)) {
		t.Fatalf("the event at %s is too close to the start of the footage at %s", ev, a0)
	}
	exFrom := tlB.Spans[0].Start.Add(4 * time.Second)
	exTo := exFrom.Add(30 * time.Second)
	from, to := a0.Add(-20*time.Second), time.Now().Add(20*time.Second)

	dir := filepath.Join(webappDir(t), "timeline")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var r struct {
		pageFaults
		Result struct {
			Gap struct {
				Gaps []struct {
					Start, End, Px float64
				} `json:"gaps"`
				Covered bool `json:"covered"`
			} `json:"gap"`
			Click struct {
				At, Wall, StartedMs float64
			} `json:"click"`
			Next struct {
				Wall, Event float64
			} `json:"next"`
			Rate   float64    `json:"rate"`
			Sync   []*float64 `json:"sync"`
			Export struct {
				Name, File, Sig string
				Progress        [][2]float64 `json:"progress"`
			} `json:"export"`
			Zoom struct {
				Before, Zoomed, Panned [2]float64
			} `json:"zoom"`
			Shots       []string `json:"shots"`
			FootageDays []string `json:"footageDays"`
		} `json:"result"`
	}
	runCheck(t, "timeline-check.mjs", append(adminLogin, "CAM_A="+a, "CAM_B="+b, "NAME_B=Drive",
		"FROM="+ms(from), "TO="+ms(to), "CLICK="+ms(click), "EVENT="+ms(ev), "GAP_START="+ms(gap0), "GAP_END="+ms(gap1),
		"EXPORT_FROM="+ms(exFrom), "EXPORT_TO="+ms(exTo)), &r, n.srv.URL, dir)
	r.pageFaults.check(t)
	res := r.Result
	// The gap is drawn where it is, visible, and not covered by a span.
	found := false
	for _, g := range res.Gap.Gaps {
		if math.Abs(g.Start-float64(gap0.UnixMilli())) < 1000 && math.Abs(g.End-float64(gap1.UnixMilli())) < 1000 && g.Px >= 3 {
			found = true
		}
	}
	if !found || res.Gap.Covered {
		t.Errorf("the gap %s–%s is not drawn as a gap: %+v", gap0.Format("15:04:05.000"), gap1.Format("15:04:05.000"), res.Gap)
	}
	if d := math.Abs(res.Click.Wall - res.Click.At); d > 2000 {
		t.Errorf("clicked at %s, the wall clock shows %s (%.1f s off, want ≤ 2 s)", time.UnixMilli(int64(res.Click.At)).Format("15:04:05.000"),
			time.UnixMilli(int64(res.Click.Wall)).Format("15:04:05.000"), d/1000)
	}
	t.Logf("click → playing in %.0f ms (first moving wall clock, as polled)", res.Click.StartedMs)
	if d := math.Abs(res.Next.Wall - res.Next.Event); d > 2500 {
		t.Errorf("Next event: the wall clock shows %s, the event starts at %s", time.UnixMilli(int64(res.Next.Wall)).Format("15:04:05.000"),
			time.UnixMilli(int64(res.Next.Event)).Format("15:04:05.000"))
	}
	if res.Rate < 2 || res.Rate > 6 {
		t.Errorf("at 4× the wall clock ran %.2f s per second, want 2 to 6", res.Rate)
	}
	var good, seen int
	for _, d := range res.Sync {
		if d != nil {
			seen++
			if *d <= 500 {
				good++
			}
		}
	}
	if seen == 0 || good*4 < seen*3 {
		t.Errorf("synchronized playback: wall clocks apart by %v ms, want ≤ 500 (in at least 3 of 4 samples)", deref(res.Sync))
	}
	// The export: the bar moved to full, the file is <camera>_<YYYYMMDD-HHMMSS>.mp4 with ~30 s of H.264.
	pr := res.Export.Progress
	if len(pr) < 2 || pr[len(pr)-1][0] != pr[len(pr)-1][1] || pr[0][0] >= pr[len(pr)-1][0] {
		t.Errorf("the progress bar did not move from its start to full: %v", pr)
	}
	if !strings.HasPrefix(res.Export.Name, b+"_") || !strings.HasSuffix(res.Export.Name, ".mp4") || len(res.Export.Name) != len(b)+len("_20060102-150405.mp4") {
		t.Errorf("the file is named %q, want %s_YYYYMMDD-HHMMSS.mp4", res.Export.Name, b)
	}
	if !strings.Contains(res.Export.Sig, "export.mp4.sig") {
		t.Errorf("no signature link: %q", res.Export.Sig)
	}
	// The signature beside it is of this very file.
	resp := n.get("/" + res.Export.Sig)
	sig, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if f, err := os.Open(res.Export.File); err != nil {
		t.Fatal(err)
	} else {
		m, err := manifest.Verify(f, sig, nil)
		f.Close()
		if err != nil || m.File != res.Export.Name {
			t.Errorf("the export's signature (HTTP %d): %v, manifest file %q", resp.StatusCode, err, m.File)
		}
	}
	p := ffprobe(t, res.Export.File)
	if p.Streams[0].CodecName != "h264" {
		t.Errorf("the export's codec is %q, want the camera's h264", p.Streams[0].CodecName)
	}
	outDur, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", res.Export.File).Output()
	if err != nil {
		t.Fatal(err)
	}
	dur, _ := strconv.ParseFloat(strings.TrimSpace(string(outDur)), 64)
	if dur < 27 || dur > 35 {
		t.Errorf("the export holds %.1f s, want about 30", dur)
	}
	// The wheel zoomed in (a shorter window), the drag panned it back in time by about the dragged part.
	z := res.Zoom
	if spanBefore, spanZoomed := z.Before[1]-z.Before[0], z.Zoomed[1]-z.Zoomed[0]; !(spanZoomed < spanBefore*0.9) || spanZoomed <= 0 {
		t.Errorf("the wheel did not zoom in: window %v, then %v", z.Before, z.Zoomed)
	}
	if math.Abs((z.Panned[1]-z.Panned[0])-(z.Zoomed[1]-z.Zoomed[0])) > 2 || !(z.Panned[0] < z.Zoomed[0]) {
		t.Errorf("a drag to the right did not pan back in time: %v, then %v", z.Zoomed, z.Panned)
	}
	today := time.Now().Format(time.DateOnly)
	if len(res.FootageDays) == 0 || !strings.Contains(strings.Join(res.FootageDays, ","), a0.Format(time.DateOnly)) {
		t.Errorf("the date picker marks %v as days with footage, want %s (today %s)", res.FootageDays, a0.Format(time.DateOnly), today)
	}
	if len(res.Shots) != 8 {
		t.Errorf("%d screenshots, want 8", len(res.Shots))
	}
}

func deref(ps []*float64) []float64 {
	out := make([]float64, 0, len(ps))
	for _, p := range ps {
		if p == nil {
			out = append(out, -1)
		} else {
			out = append(out, *p)
		}
	}
	return out
}

// BenchmarkTimelineSeek: a real nvrd records a camera continuously; in headless Chromium the #/timeline
// page is clicked at eight instants of its footage, and each time from the click to a moving wall clock
// within 2 s of the instant (hls.js loaded the playlist and played the first frames; polled every 20 ms)
// is measured. Reported: the median and the worst of those (the target is within 1 s).
func BenchmarkTimelineSeek(b *testing.B) {
	if skipReason != "" {
		testskip.Skip(b, skipReason, "run make setup")
	}
	needBrowser(b)
	for i := 0; i < b.N; i++ {
		cam, err := testcam.Start(testcam.Options{AUs: clip})
		if err != nil {
			b.Fatal(err)
		}
		p := startNVRDForBench(b)
		if _, errOut, err := p.cliB(b, "camera", "add", "--name", "Porch", "--url", cam.URL(), "--record", "continuous"); err != nil {
			b.Fatal(errOut)
		}
		begin := time.Now()
		var tl tlAnswer
		deadline := time.Now().Add(120 * time.Second)
		for {
			q := url.Values{"since": {begin.Add(-time.Minute).UTC().Format(time.RFC3339Nano)}, "until": {time.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano)}}
			req, _ := http.NewRequest("GET", p.url+"/api/cameras/porch/timeline?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+p.token)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				_ = json.NewDecoder(resp.Body).Decode(&tl)
				resp.Body.Close()
			}
			if len(tl.Spans) > 0 && tl.Spans[len(tl.Spans)-1].End.Sub(tl.Spans[0].Start) > 34*time.Second {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("no 34 s of footage: %+v", tl)
			}
			time.Sleep(500 * time.Millisecond)
		}
		s0 := tl.Spans[0].Start
		var seeks []string
		for k := 0; k < 8; k++ {
			seeks = append(seeks, ms(s0.Add(time.Duration(3+k*4)*time.Second+time.Duration(k*137)*time.Millisecond)))
		}
		cmd := exec.Command("node", filepath.Join(repoRoot, "ui", "test", "timeline-check.mjs"), p.url, "")
		cmd.Dir = filepath.Join(repoRoot, "ui")
		cmd.Env = append(os.Environ(), "MODE=seek", "NVR_USER=root", "NVR_PASSWORD=correct horse battery", "CAM_A=porch",
			"FROM="+ms(s0.Add(-10*time.Second)), "TO="+ms(time.Now().Add(10*time.Second)), "SEEKS="+strings.Join(seeks, ","))
		out, err := cmd.Output()
		p.stopB(b)
		cam.Close()
		var r struct {
			Fatal  string `json:"fatal"`
			Result struct {
				Seeks []float64 `json:"seeks"`
			} `json:"result"`
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &r); jerr != nil || r.Fatal != "" || len(r.Result.Seeks) == 0 {
			b.Fatalf("timeline-check: %v %v %s", err, jerr, out)
		}
		s := append([]float64(nil), r.Result.Seeks...)
		sort.Float64s(s)
		b.ReportMetric(s[len(s)/2], "ms-seek-median")
		b.ReportMetric(s[len(s)-1], "ms-seek-worst")
	}
}
