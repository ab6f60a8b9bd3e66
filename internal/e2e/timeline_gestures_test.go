package e2e

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestWebappTimelineGestures: a camera records continuously; on #/timeline in headless Chromium the
// playhead is dragged (drawn under the pointer while held) and dropped (playback starts within 2 s of
// the drop, the window stays); two fingers pinch apart and together (the window shrinks, then grows);
// 16× runs at least 6 times as fast as 1× measured just before; an export of 48 s (paced by nvrd's
// test hook to take seconds) shows its bar between its ends, then Cancel stops it: the API says
// canceled, no file downloads and none is left in nvrd's temp directory.
func TestWebappTimelineGestures(t *testing.T) {
	need(t)
	needBrowser(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where nvrd writes export jobs' files
	n := startNVRWith(t, nvrOptions{exportPace: 400 * time.Millisecond})
	cam := startCamera(t, testcam.Options{})
	var c map[string]any
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Porch", "url": cam.URL(), "record": map[string]any{"mode": "continuous"},
		"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}, &c); code != 201 {
		t.Fatalf("create camera: HTTP %d %v", code, c)
	}
	a := c["id"].(string)
	n.waitStatus(a, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	begin := time.Now().Add(-time.Minute)
	tl := n.waitTimeline(a, begin, 120*time.Second, "55 s of footage", func(tl tlAnswer) bool {
		return len(tl.Spans) > 0 && tl.Spans[len(tl.Spans)-1].End.Sub(tl.Spans[0].Start) >= 55*time.Second
	})
	start := tl.Spans[0].Start
	from, to := start.Add(-20*time.Second), time.Now().Add(60*time.Second)
	drop := start.Add(15 * time.Second)

	dir := filepath.Join(webappDir(t), "timeline")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var r struct {
		pageFaults
		Result struct {
			Speed struct {
				Rate1  float64 `json:"rate1"`
				Rate16 float64 `json:"rate16"`
			} `json:"speed"`
			Drag struct {
				From, At, Wall, Ms float64
				HeldPx             *float64 `json:"heldPx"`
				Before, After      [2]float64
			} `json:"drag"`
			DragError string `json:"dragError"`
			Pinch     struct {
				Before, Spread, Closed [2]float64
				Centre                 float64
			} `json:"pinch"`
			Export struct {
				ID          string       `json:"id"`
				State       string       `json:"state"`
				Done        int          `json:"done"`
				Total       int          `json:"total"`
				Progress    [][2]float64 `json:"progress"`
				Downloaded  *string      `json:"downloaded"`
				CancelShown int          `json:"cancelShown"`
			} `json:"export"`
			Shots []string `json:"shots"`
		} `json:"result"`
	}
	runCheck(t, "timeline-gestures-check.mjs", []string{"NVR_USER=root", "NVR_PASSWORD=correct horse battery", "CAM_A=" + a,
		"FROM=" + ms(from), "TO=" + ms(to), "START=" + ms(start), "DROP=" + ms(drop),
		"EXPORT_FROM=" + ms(start.Add(2*time.Second)), "EXPORT_TO=" + ms(start.Add(50*time.Second))}, &r, n.srv.URL, dir)
	r.pageFaults.check(t)
	res := r.Result
	clk := func(ms float64) string { return time.UnixMilli(int64(ms)).Format("15:04:05.000") }

	// 16× against 1× in the same run: a loose lower bound (16 on a quiet machine), no timing window.
	sp := res.Speed
	t.Logf("1×: %.2f s per second; 16×: %.2f s per second (%.1f×)", sp.Rate1, sp.Rate16, sp.Rate16/math.Max(sp.Rate1, 1e-9))
	if sp.Rate1 < 0.5 {
		t.Errorf("at 1× the wall clock ran %.2f s per second: not playing", sp.Rate1)
	} else if sp.Rate16 < 6*sp.Rate1 {
		t.Errorf("at 16× the wall clock ran %.2f s per second, under 6 times 1× (%.2f)", sp.Rate16, sp.Rate1)
	}

	// The dragged playhead: picked up far from the drop, played from within 2 s of it.
	d := res.Drag
	if math.Abs(d.From-d.At) < 10000 {
		t.Errorf("the playhead was picked up at %s, too near the drop at %s to tell a drag from a click", clk(d.From), clk(d.At))
	}
	if dd := math.Abs(d.Wall - d.At); d.Wall == 0 || dd > 2000 {
		t.Errorf("dropped the playhead at %s, the wall clock shows %s (%.1f s off, want ≤ 2 s) %s", clk(d.At), clk(d.Wall), dd/1000, res.DragError)
	}
	if d.HeldPx == nil || math.Abs(*d.HeldPx) > 4 {
		t.Errorf("while dragged, the playhead is not drawn under the pointer (%v px from it)", deref([]*float64{d.HeldPx}))
	}
	if d.Before != d.After {
		t.Errorf("dragging the playhead moved the window: %v, then %v", d.Before, d.After)
	}
	t.Logf("drop → playing in %.0f ms", d.Ms)

	// The pinch: apart zooms in (a shorter window around the fingers), together zooms out.
	p := res.Pinch
	s0, s1, s2 := p.Before[1]-p.Before[0], p.Spread[1]-p.Spread[0], p.Closed[1]-p.Closed[0]
	if !(s1 > 0 && s1 < 0.6*s0) {
		t.Errorf("fingers apart did not zoom in: the window was %.0f s, then %.0f s", s0/1000, s1/1000)
	}
	if !(s2 > 1.5*s1) {
		t.Errorf("fingers together did not zoom out: the window was %.0f s, then %.0f s", s1/1000, s2/1000)
	}
	if p.Centre < p.Spread[0] || p.Centre > p.Spread[1] {
		t.Errorf("the pinch zoomed away from the fingers: %s is not in %s–%s", clk(p.Centre), clk(p.Spread[0]), clk(p.Spread[1]))
	}

	// The export: values between the bar's ends, then Cancel: canceled part way, nothing downloaded.
	ex := res.Export
	between := 0
	for _, v := range ex.Progress {
		if v[0] > 0 && v[0] < v[1] {
			between++
		}
	}
	if between < 2 {
		t.Errorf("the progress bar showed %d values between its ends, want at least 2: %v", between, ex.Progress)
	}
	if ex.State != "canceled" || !(ex.Done > 0 && ex.Done < ex.Total) {
		t.Errorf("after Cancel the API says the export is %q at %d of %d segments, want canceled part way", ex.State, ex.Done, ex.Total)
	}
	if ex.Downloaded != nil {
		t.Errorf("the cancelled export downloaded %s", *ex.Downloaded)
	}
	if ex.CancelShown != 0 {
		t.Errorf("the Cancel export button is still shown after the export was cancelled")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, _ := filepath.Glob(filepath.Join(tmp, "nvr-export-*"))
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("cancelled exports left files: %v", left)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(res.Shots) != 8 {
		t.Errorf("%d screenshots, want 8", len(res.Shots))
	}
}
