package e2e

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// mainClip is the main stream of the substream camera: bigger than its 640×360 substream.
var mainClip = testcam.Clip{Width: 1280, Height: 720, FPS: 25, KeyInt: 25, BitrateKbps: 2000, Frames: 50}

// snapshotSize is the size of the camera's latest analysed keyframe (its snapshot JPEG).
func (n *nvr) snapshotSize(id string) (int, int) {
	n.t.Helper()
	resp := n.get("/api/cameras/" + id + "/snapshot.jpg")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, 0
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		n.t.Fatalf("snapshot is not a JPEG: %v", err)
	}
	return cfg.Width, cfg.Height
}

// waitSnapshot waits until the snapshot is w×h.
func (n *nvr) waitSnapshot(id string, w, h int, timeout time.Duration) {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	var gw, gh int
	for time.Now().Before(deadline) {
		if gw, gh = n.snapshotSize(id); gw == w && gh == h {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	n.t.Fatalf("camera %s: the analysed keyframes are %dx%d after %s, want %dx%d", id, gw, gh, timeout, w, h)
}

// liveWidth reads a few seconds of a camera's live stream (query: "" or "?stream=sub") and returns the
// picture width ffprobe decodes from it.
func (n *nvr) liveWidth(id, query string) int {
	n.t.Helper()
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + "/api/cameras/" + id + "/live" + query
	ws, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + n.token}})
	if err != nil {
		n.t.Fatalf("dial live%s: %v", query, err)
	}
	defer ws.Close()
	ts := checkTS(n.t, readLive(n.t, ws, 3*time.Second))
	p := filepath.Join(n.t.TempDir(), "live.ts")
	if err := os.WriteFile(p, ts, 0o644); err != nil {
		n.t.Fatal(err)
	}
	return ffprobe(n.t, p).Streams[0].Width
}

// startDualCamera serves the 1280×720 main clip and the 640×360 substream clip on one RTSP server and
// adds them to a new nvrd as the camera "Dual" (motion and detection off, record as given); it returns
// the server, the nvrd and the camera as the API answered it.
func startDualCamera(t *testing.T, record map[string]any) (*testcam.Dual, *nvr, map[string]any) {
	t.Helper()
	main := clipStream(t, mainClip)
	dual, err := testcam.StartDual(testcam.Options{AUs: main.AUs, PTS: main.PTS}, testcam.Options{AUs: clip})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dual.Close)
	n := startNVR(t)
	var c map[string]any
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Dual", "url": dual.MainURL(), "sub_url": dual.SubURL(),
		"record": record, "motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}, &c); code != 201 {
		t.Fatalf("create: %d %v", code, c)
	}
	return dual, n, c
}

// TestSubstreamAnalysisAndFallback: a camera with a 1280×720 main stream and a 640×360 substream on one
// RTSP server runs one worker with both. While the substream works, the analysed keyframes are
// 640×360, the grid's live stream (?stream=sub) is the substream, and the main live stream and the
// recording are the main stream. When the substream dies, the same worker goes on (no restart), the
// analysed keyframes become 1280×720, and the status says in words that the substream failed.
func TestSubstreamAnalysisAndFallback(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	need(t)
	dual, n, c := startDualCamera(t, map[string]any{"mode": "events", "pre_roll_s": 0, "post_roll_s": 0})
	id := c["id"].(string)
	if c["sub_url"] != dual.SubURL() {
		t.Fatalf("the camera's sub_url is %v, want %s", c["sub_url"], dual.SubURL())
	}
	st := n.waitStatus(id, 45*time.Second, "streaming with the substream", func(s supervisor.Status) bool {
		return s.State == supervisor.StateStreaming && s.Substream != nil && s.Substream.State == ipc.SubStreaming
	})
	n.waitSnapshot(id, 640, 360, 20*time.Second)
	st = n.waitStatus(id, 10*time.Second, "the main stream's size", func(s supervisor.Status) bool { return s.Width == 1280 })
	if st.Height != 720 {
		t.Fatalf("status says %dx%d, want the main stream's 1280x720", st.Width, st.Height)
	}
	if w := n.liveWidth(id, ""); w != 1280 {
		t.Fatalf("the main live stream is %d wide, want 1280", w)
	}
	if w := n.liveWidth(id, "?stream=sub"); w != 640 {
		t.Fatalf("the sub live stream is %d wide, want 640", w)
	}
	if code := n.do("POST", "/api/cameras/"+id+"/record", map[string]any{"seconds": 3}, nil); code != 202 {
		t.Fatalf("trigger: HTTP %d", code)
	}
	rs := n.waitRecordings(id, 60*time.Second, "a finished recording", func(rs []recordingOut) bool { return len(rs) > 0 && !rs[0].Open })
	_, pl, _ := n.body(rs[0].Playlist, nil)
	media := n.fetchPlaylistMedia(rs[0].Playlist, parsePlaylist(t, string(pl)))
	if p := ffprobe(t, media); p.Streams[0].Width != 1280 {
		t.Fatalf("the recording is %d wide, want the main stream's 1280", p.Streams[0].Width)
	}

	// The substream dies; the camera goes on with the main stream.
	gen := st.Generation
	dual.StopSub()
	st = n.waitStatus(id, 30*time.Second, "the substream failed", func(s supervisor.Status) bool {
		return s.Substream != nil && s.Substream.State == ipc.SubFailed
	})
	if !strings.Contains(st.Substream.Error, "substream failed") || !strings.Contains(st.Substream.Error, "main stream") {
		t.Fatalf("the substream's status says %q, want a sentence that it failed and the main stream is used", st.Substream.Error)
	}
	n.waitSnapshot(id, 1280, 720, 20*time.Second)
	st = n.status(id)
	if st.State != supervisor.StateStreaming || st.Generation != gen {
		t.Fatalf("after the substream failed the camera is %s in generation %d (was %d): the main stream must go on", st.State, st.Generation, gen)
	}
	if w := n.liveWidth(id, "?stream=sub"); w != 1280 {
		t.Fatalf("with the substream failed, ?stream=sub is %d wide, want the main stream's 1280", w)
	}
}

// TestProbeMainAndSubstream: Test connection with a sub_url probes both streams with the real worker
// and describes each (the main 1280×720, the sub 640×360); a sub_url that does not work is a warning
// beside the main stream's description, not a failure.
func TestProbeMainAndSubstream(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	need(t)
	main := clipStream(t, mainClip)
	dual, err := testcam.StartDual(testcam.Options{AUs: main.AUs, PTS: main.PTS}, testcam.Options{AUs: clip})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dual.Close)
	n := startNVR(t)
	var ans struct {
		probeAnswer
		Sub *struct {
			Codec  string `json:"codec"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
		} `json:"sub"`
	}
	if code := n.do("POST", "/api/cameras/probe", map[string]any{"url": dual.MainURL(), "sub_url": dual.SubURL()}, &ans); code != http.StatusOK {
		t.Fatalf("probe: HTTP %d %+v", code, ans)
	}
	if ans.Video == nil || ans.Video.Width != 1280 || ans.Sub == nil || ans.Sub.Width != 640 || ans.Sub.Height != 360 || ans.Sub.Codec != "h264" {
		t.Fatalf("probe answered video %+v sub %+v, want 1280 wide and a 640x360 h264 sub", ans.Video, ans.Sub)
	}
	dual.StopSub()
	ans.Sub, ans.Warnings = nil, nil
	if code := n.do("POST", "/api/cameras/probe", map[string]any{"url": dual.MainURL(), "sub_url": dual.SubURL()}, &ans); code != http.StatusOK {
		t.Fatalf("probe with a dead sub: HTTP %d %+v", code, ans)
	}
	if ans.Video == nil || ans.Video.Width != 1280 || ans.Sub != nil || !strings.Contains(strings.Join(ans.Warnings, " "), "sub stream does not work") {
		t.Fatalf("probe with a dead sub answered video %+v sub %+v warnings %q", ans.Video, ans.Sub, ans.Warnings)
	}
}
