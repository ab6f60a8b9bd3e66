package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// sseMsg is one message of GET /api/stream.
type sseMsg struct{ name, data string }

// openStream reads the admin's /api/stream into a channel until the test ends.
func (n *nvr) openStream(t *testing.T) <-chan sseMsg {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", n.srv.URL+"/api/stream", nil)
	req.Header.Set("Authorization", "Bearer "+n.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open stream: %v %v", err, resp)
	}
	t.Cleanup(func() { resp.Body.Close() })
	msgs := make(chan sseMsg, 1024)
	go func() {
		defer close(msgs)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		var m sseMsg
		for sc.Scan() {
			switch l := sc.Text(); {
			case l == "":
				if m.name != "" {
					select {
					case msgs <- m:
					default: // the test reads only what it waits for
					}
				}
				m = sseMsg{}
			case strings.HasPrefix(l, "event: "):
				m.name = l[7:]
			case strings.HasPrefix(l, "data: "):
				m.data = l[6:]
			}
		}
	}()
	return msgs
}

type streamEvent struct {
	Type  string `json:"type"`
	Event struct {
		ID, Camera, Kind, Start string
		End                     *string
	} `json:"event"`
}

// waitStreamEvent waits for an event message that cond accepts.
func waitStreamEvent(t *testing.T, msgs <-chan sseMsg, d time.Duration, what string, cond func(streamEvent) bool) streamEvent {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatalf("the stream ended while waiting for %s", what)
			}
			if m.name != "event" {
				continue
			}
			var ev streamEvent
			if err := json.Unmarshal([]byte(m.data), &ev); err != nil {
				t.Fatalf("%s: %v", m.data, err)
			}
			if cond(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s within %s", what, d)
		}
	}
}

// TestOfflineAndTamperEvents: a real test camera stopped for 15 s makes an offline event that arrives
// live and ends when the camera streams again; a camera whose picture is one flat grey (a covered
// lens) makes a tamper event.
func TestOfflineAndTamperEvents(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	need(t)
	n := startNVR(t)
	msgs := n.openStream(t)
	cam := startCamera(t, testcam.Options{})
	const w, h, fps = 320, 180, 10
	flat := encodeScene(t, w, h, fps, 2*fps, func(_ int, y []byte, _, _ int) {
		for i := range y {
			y[i] = 40
		}
	})
	covered := startCamera(t, testcam.Options{AUs: flat, FPS: fps})
	id := n.addCamera("Gate", cam.URL())
	coveredID := n.addCamera("Covered", covered.URL())
	n.waitStatus(id, 60*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == "streaming" && s.Keyframes > 2 })

	tamper := waitStreamEvent(t, msgs, 60*time.Second, "tamper event of the covered camera", func(e streamEvent) bool {
		return e.Event.Camera == coveredID && e.Event.Kind == "tamper"
	})
	if evs := n.events("kind=tamper&camera=" + coveredID); len(evs) != 1 || evs[0].ID != tamper.Event.ID {
		t.Fatalf("/api/events?kind=tamper: %+v, want the event %s", evs, tamper.Event.ID)
	}
	if evs := n.events("kind=tamper&camera=" + id); len(evs) != 0 {
		t.Fatalf("the camera with a picture got tamper events: %+v", evs)
	}

	paused := time.Now()
	cam.Pause()
	started := waitStreamEvent(t, msgs, 60*time.Second, "offline event", func(e streamEvent) bool {
		return e.Event.Camera == id && e.Event.Kind == "offline" && e.Type == "new"
	})
	if start, err := time.Parse(time.RFC3339Nano, started.Event.Start); err != nil || start.After(paused.Add(time.Second)) || start.Before(paused.Add(-5*time.Second)) {
		t.Fatalf("offline event starts %s; the camera stopped at %s", started.Event.Start, paused.UTC().Format(time.RFC3339Nano))
	}
	if started.Event.End != nil {
		t.Fatalf("the offline event arrived already ended: %+v", started)
	}
	if d := time.Until(paused.Add(15 * time.Second)); d > 0 {
		time.Sleep(d) // the camera stays off for 15 s, as the issue asks
	}
	if evs := n.events("kind=offline&camera=" + id); len(evs) != 1 || evs[0].End != "" {
		t.Fatalf("/api/events?kind=offline while the camera is off: %+v", evs)
	}
	if err := cam.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	ended := waitStreamEvent(t, msgs, 90*time.Second, "end of the offline event", func(e streamEvent) bool {
		return e.Event.ID == started.Event.ID && e.Event.End != nil
	})
	end, err := time.Parse(time.RFC3339Nano, *ended.Event.End)
	if err != nil || end.Before(resumed) {
		t.Fatalf("offline event ended at %v, before the camera came back at %s", ended.Event.End, resumed.UTC().Format(time.RFC3339Nano))
	}
	if evs := n.events("kind=offline&camera=" + id); len(evs) != 1 || evs[0].End == "" {
		t.Fatalf("/api/events?kind=offline after the return: %+v", evs)
	}
}

// TestSystemAgreesWithMetrics: GET /api/system shows the figures /metrics exposes for the same camera
// and process, and the sampler's frame rate and keyframe interval are the test camera's (25 fps, a
// keyframe a second).
func TestSystemAgreesWithMetrics(t *testing.T) {
	need(t)
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{})
	id := n.addCamera("Gate", cam.URL())
	n.waitStatus(id, 60*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == "streaming" })
	ws := n.dialLive(id) // one viewer
	_ = newLiveReader(t, ws)

	type sys struct {
		Cameras []struct {
			ID           string
			State        string
			Restarts     uint64
			Viewers      int
			Keyframes    uint64
			BytesIn      uint64   `json:"bytes_in"`
			BitrateBPS   uint64   `json:"bitrate_bps"`
			FPS          *float64 `json:"fps"`
			KeyframeIntS *float64 `json:"keyframe_interval_s"`
			WorkerCPU    *float64 `json:"worker_cpu_percent"`
			Width        int
		}
		Host struct {
			NvrdCPU  *float64 `json:"nvrd_cpu_percent"`
			NvrdRSS  int64    `json:"nvrd_rss_bytes"`
			MemTotal int64    `json:"mem_total_bytes"`
			DiskFree int64    `json:"disk_free_bytes"`
		}
		Forecast struct{ Sentence string }
		Samples  []json.RawMessage
	}
	var s sys
	deadline := time.Now().Add(90 * time.Second)
	for {
		s = sys{}
		if code := n.do("GET", "/api/system", nil, &s); code != 200 {
			t.Fatalf("GET /api/system: HTTP %d", code)
		}
		if len(s.Samples) > 0 && len(s.Cameras) == 1 && s.Cameras[0].FPS != nil && s.Cameras[0].Viewers == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sample with the camera's frame rate within 90 s: %+v", s)
		}
		time.Sleep(time.Second)
	}
	metrics := n.scrape()
	c := s.Cameras[0]
	for name, want := range map[string]float64{
		`nvr_camera_up{camera="` + id + `"}`:             1,
		`nvr_camera_restarts_total{camera="` + id + `"}`: float64(c.Restarts),
		`nvr_live_viewers{camera="` + id + `"}`:          float64(c.Viewers),
	} {
		if got, ok := metrics[name]; !ok || got != want {
			t.Errorf("/metrics %s = %v (present %v); /api/system says %v", name, got, ok, want)
		}
	}
	if c.State != "streaming" {
		t.Errorf("state %q while nvr_camera_up is 1", c.State)
	}
	// Counters only grow: /metrics was read after /api/system.
	if m := metrics[`nvr_camera_keyframes_total{camera="`+id+`"}`]; m < float64(c.Keyframes) || m > float64(c.Keyframes)+30 {
		t.Errorf("keyframes: /api/system %d, /metrics a moment later %v", c.Keyframes, m)
	}
	if m := metrics[`nvr_camera_bytes_in_total{camera="`+id+`"}`]; m < float64(c.BytesIn) {
		t.Errorf("bytes in: /api/system %d, /metrics a moment later %v", c.BytesIn, m)
	}
	if rss := metrics["process_resident_memory_bytes"]; math.Abs(rss-float64(s.Host.NvrdRSS)) > 0.25*rss {
		t.Errorf("nvrd memory: /api/system %d bytes, /metrics %v", s.Host.NvrdRSS, rss)
	}
	// The rate is measured over a short window: on a machine whose cores the whole suite keeps busy the
	// worker delivers in bursts (15 frames/s once in a loaded CI run), so the bounds catch a wrong unit or
	// window (0, 1, 250 …), not the machine's load.
	if f := *c.FPS; f < 10 || f > 40 {
		t.Errorf("frame rate %.1f, the camera sends 25", f)
	}
	if c.KeyframeIntS == nil {
		t.Error("no keyframe interval, the camera sends one a second")
	} else if k := *c.KeyframeIntS; k < 0.5 || k > 2 {
		t.Errorf("keyframe interval %.2f s, the camera sends one a second", k)
	}
	if c.WorkerCPU == nil || s.Host.NvrdCPU == nil || s.Host.MemTotal == 0 || s.Host.DiskFree == 0 || c.Width != 640 {
		t.Errorf("host figures missing: worker CPU %v, nvrd CPU %v, memory %d, free %d, width %d", c.WorkerCPU, s.Host.NvrdCPU, s.Host.MemTotal, s.Host.DiskFree, c.Width)
	}
	if s.Forecast.Sentence == "" {
		t.Error("no retention forecast sentence")
	}
}

// scrape reads /metrics into name{labels} → value.
func (n *nvr) scrape() map[string]float64 {
	n.t.Helper()
	resp := n.get("/metrics")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(l[i+1:], 64); err == nil {
			out[l[:i]] = v
		}
	}
	return out
}
