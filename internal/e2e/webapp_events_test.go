package e2e

import (
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestWebappEvents drives the events page (ui/test/events-check.mjs) against a real camera whose clip
// has an object moving through it: a manual and a motion event arrive live; the kind filter lands in
// the address and filters; the opened manual event plays from its pre-roll (the wall clock under the
// video at the first frame is at or before the trigger − pre-roll + one segment); ← and → move through
// the list; "Mark reviewed" with "Hide reviewed" on takes it out. Screenshots go to
// .cache/webapp/review/.
func TestWebappEvents(t *testing.T) {
	need(t)
	needBrowser(t)
	const w, h, fps, preRoll = 320, 180, 10, 6
	bg := background(rand.New(rand.NewSource(7)))
	// A 40 s loop; the object crosses from 25 s to 29 s.
	moving := encodeScene(t, w, h, fps, 40*fps, func(i int, y []byte, w, h int) {
		bg(i, y, w, h)
		if i >= 25*fps && i < 29*fps {
			x0 := 20 + (i-25*fps)*(w-80)/(4*fps)
			for r := 60; r < 130; r++ {
				for c := x0; c < x0+35; c++ {
					y[r*w+c] = 20
				}
			}
		}
	})
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{AUs: moving, FPS: fps})
	var c map[string]any
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Yard", "url": cam.URL(),
		"record": map[string]any{"mode": "events", "pre_roll_s": preRoll, "post_roll_s": 2},
		"detect": map[string]any{"enabled": false}}, &c); code != 201 {
		t.Fatalf("create camera: %d %v", code, c)
	}
	n.waitStatus("yard", 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	streaming := time.Now()

	shots := filepath.Join(webappDir(t), "review")
	_ = os.MkdirAll(shots, 0o755)
	_, in, sc := startNode(t, "events-check.mjs", adminLogin, n.srv.URL, shots)
	var last string
	for sc.Scan() {
		last = sc.Text()
		if strings.Contains(last, `"ready":true`) {
			break
		}
	}
	// The pre-roll must be in RAM before the manual trigger.
	time.Sleep(time.Until(streaming.Add((preRoll + 2) * time.Second)))
	if code := n.do("POST", "/api/cameras/yard/record", map[string]int{"seconds": 2}, nil); code >= 300 {
		t.Fatalf("record now: HTTP %d", code)
	}
	_, _ = in.Write([]byte("go\n"))
	last = lastLine(t, sc)
	var r struct {
		pageFaults
		Steps []json.RawMessage `json:"steps"`
	}
	if err := json.Unmarshal([]byte(last), &r); err != nil {
		t.Fatalf("events-check output %q: %v", last, err)
	}
	r.pageFaults.check(t)
	var s struct {
		Live *struct {
			Manual, Motion string
			Reloads        int
		}
		Filtered *struct {
			Hash  string
			Count int
		}
		Played *struct {
			First struct {
				T    float64
				Wall float64
			}
		}
		Arrows *struct {
			From, Key, Moved, Expected, Back string
		}
		ReviewedHidden string
		Reloads        *int
		Deleted        *struct{ ID, Words string }
	}
	for _, raw := range r.Steps {
		_ = json.Unmarshal(raw, &s)
	}
	if s.Live == nil || s.Live.Reloads != 0 {
		t.Fatalf("the events did not arrive live: %+v", s.Live)
	}
	if s.Filtered == nil || !strings.Contains(s.Filtered.Hash, "kind=manual") || s.Filtered.Count < 1 {
		t.Fatalf("kind filter: %+v", s.Filtered)
	}
	ev := n.events("kind=manual&camera=yard")
	if len(ev) != 1 || ev[0].ID != s.Live.Manual {
		t.Fatalf("the page's manual event %s; the API has %+v", s.Live.Manual, ev)
	}
	trigger, _ := time.Parse(time.RFC3339Nano, ev[0].Start)
	if s.Played == nil {
		t.Fatal("the player did not play")
	}
	// The wall clock at the first frame, less the time the video had already played when it was read.
	first := time.UnixMilli(int64(s.Played.First.Wall - s.Played.First.T*1000))
	segment := 2 * time.Second
	if ev[0].Recording != nil {
		_, pl, _ := n.body("/api/recordings/"+*ev[0].Recording+"/index.m3u8", nil)
		for _, sg := range parsePlaylist(t, string(pl)) {
			segment = max(segment, time.Duration(sg.duration*float64(time.Second)))
		}
	}
	limit := trigger.Add(-preRoll * time.Second).Add(segment)
	if first.After(limit) {
		t.Fatalf("the player starts at %s: after trigger %s − pre-roll %d s + one segment %s", first.Format(time.RFC3339Nano),
			trigger.Format(time.RFC3339Nano), preRoll, segment)
	}
	if first.Before(trigger.Add(-preRoll*time.Second - 3*segment)) {
		t.Fatalf("the player starts at %s, long before the pre-roll of the trigger %s", first.Format(time.RFC3339Nano), trigger.Format(time.RFC3339Nano))
	}
	if a := s.Arrows; a == nil || a.Moved == a.From || a.Moved != a.Expected || a.Back != a.From {
		t.Fatalf("arrow keys: %+v", s.Arrows)
	}
	if s.ReviewedHidden != s.Live.Manual {
		t.Fatalf("mark reviewed: %q", s.ReviewedHidden)
	}
	var evs []struct {
		ID       string `json:"id"`
		Reviewed bool   `json:"reviewed"`
	}
	n.do("GET", "/api/events?camera=yard&kind=manual", nil, &evs)
	if len(evs) != 1 || !evs[0].Reviewed {
		t.Fatalf("after Mark reviewed the API shows %+v", evs)
	}
	if s.Deleted == nil || s.Deleted.ID == s.Live.Manual || !strings.Contains(s.Deleted.Words, "recording stays") {
		t.Fatalf("delete: %+v", s.Deleted)
	}
	for _, e := range n.events("camera=yard") {
		if e.ID == s.Deleted.ID {
			t.Fatalf("event %s is still listed by the API after Delete", s.Deleted.ID)
		}
	}
	if rs := n.recordings("yard"); len(rs) < 2 {
		t.Fatalf("the recordings went with the deleted event: %+v", rs)
	}
	t.Logf("screenshots in %s", shots)
}
