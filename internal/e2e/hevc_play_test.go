package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// TestH265RecordingSaysBrowserCannotPlayIt: Chromium here has no HEVC decoder, so an H.265 recording
// played on the timeline (hls.js) and in the event player (the MP4 export) shows one sentence saying so,
// with the event player's "download it as MP4" a link to the export, instead of a player that stays
// black. The playlist names the codec in its X-Video-Codec header.
func TestH265RecordingSaysBrowserCannotPlayIt(t *testing.T) {
	needBrowser(t)
	s := clipStream(t, testcam.HEVC)
	cam := startCamera(t, s.Options(testcam.HEVC.FPS))
	n := startNVR(t)
	var c map[string]any
	body := map[string]any{"name": "HEVC porch", "url": cam.URL(),
		"record": map[string]any{"mode": "events", "pre_roll_s": 0, "post_roll_s": 0},
		"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}
	if code := n.do("POST", "/api/cameras", body, &c); code != 201 {
		t.Fatalf("create: %d %v", code, c)
	}
	id := c["id"].(string)
	n.waitStatus(id, 45*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	if code := n.do("POST", "/api/cameras/"+id+"/record", map[string]any{"seconds": 4}, nil); code != 202 {
		t.Fatalf("trigger: HTTP %d", code)
	}
	rs := n.waitRecordings(id, 60*time.Second, "a finished recording", func(rs []recordingOut) bool { return len(rs) > 0 && !rs[0].Open })
	start, _ := time.Parse(time.RFC3339Nano, rs[0].Start)
	end, _ := time.Parse(time.RFC3339Nano, rs[0].End)
	q := "?since=" + start.Add(-time.Second).UTC().Format(time.RFC3339Nano) + "&until=" + end.Add(time.Second).UTC().Format(time.RFC3339Nano)
	if code, _, hdr := n.body("/api/cameras/"+id+"/recordings.m3u8"+q, nil); code != 200 || hdr.Get("X-Video-Codec") != "h265" {
		t.Fatalf("the span's playlist: HTTP %d, X-Video-Codec %q, want 200 and h265", code, hdr.Get("X-Video-Codec"))
	}

	ms := func(tm time.Time) string { return strconv.FormatInt(tm.UnixMilli(), 10) }
	dir := filepath.Join(webappDir(t), "hevc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Errors []string `json:"errors"`
		Fatal  string   `json:"fatal"`
		Result struct {
			MSE      bool   `json:"mse"`
			Timeline string `json:"timeline"`
			Event    string `json:"event"`
			Download string `json:"download"`
		} `json:"result"`
	}
	runCheck(t, "hevc-play-check.mjs", []string{"NVR_USER=root", "NVR_PASSWORD=correct horse battery", "CAM=" + id,
		"FROM=" + ms(start.Add(-time.Minute)), "TO=" + ms(end.Add(time.Minute)), "CLICK=" + ms(start.Add(end.Sub(start)/2))}, &r, n.srv.URL, dir)
	if r.Result.MSE {
		testskip.Skip(t, "this Chromium decodes HEVC, so there is no sentence to show", "run it with a Chromium that cannot decode HEVC, such as Debian's")
	}
	if r.Fatal != "" {
		t.Fatalf("browser: %s", r.Fatal)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("page errors: %v", r.Errors)
	}
	if !strings.Contains(r.Result.Download, "/export.mp4?since=") {
		t.Fatalf("the event player's download link is %q, want the span's export.mp4", r.Result.Download)
	}
}
