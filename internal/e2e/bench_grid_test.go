package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// BenchmarkBrowserGrid16: headless Chromium plays the #/ grid ("Fit all", 4×4 at 1920×1080) of 16
// 1080p25 4 Mbit/s test cameras from a real nvrd (ui/test/grid-check.mjs) for NVR_BENCH_SECONDS
// (default 30). Reported: CPU of the browser's process tree from /proc (% of one core), dropped frames
// (getVideoPlaybackQuality, % of decoded), tiles that kept playing, seconds of video played per second
// (all tiles together; 16 is every tile at real time), tiles showing a picture at the end, the page's JS heap (CDP), the grid page's weight
// (HTML+JS+CSS, gzipped) and the time from navigation to the first picture (the first tile and the
// last). On this 2-core machine 16 software 1080p decodes do not keep up: the figures say how far.
// NVR_GRID_PLAYER=before plays the grid with the tile's player options from before issue 11's latency
// work (oldTilePlayer), to compare.
func BenchmarkBrowserGrid16(b *testing.B) {
	if skipReason != "" {
		testskip.Skip(b, skipReason, "run make setup")
	}
	needBrowser(b)
	hdClipOnce.Do(func() {
		hdClip, hdClipErr = testcam.Encode(filepath.Join(repoRoot, ".cache", "testclips"),
			testcam.Clip{Width: 1920, Height: 1080, FPS: 25, KeyInt: 25, BitrateKbps: 4000, Frames: 250,
				Source: "videotestsrc pattern=smpte horizontal-speed=4 num-buffers=250"})
	})
	if hdClipErr != nil {
		b.Fatal(hdClipErr)
	}
	seconds := 30
	if w := benchWindow(); os.Getenv("NVR_BENCH_SECONDS") != "" {
		seconds = int(w.Seconds())
	}
	const n = 16
	for i := 0; i < b.N; i++ {
		p := startNVRDForBench(b)
		for j := 0; j < n; j++ {
			c, err := testcam.Start(testcam.Options{AUs: hdClip, FPS: 25})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			id := fmt.Sprintf("cam%02d", j)
			if _, errOut, err := p.cliB(b, "camera", "add", "--name", id, "--url", c.URL(), "--record", "off"); err != nil {
				b.Fatal(errOut)
			}
			req, _ := http.NewRequest("PATCH", p.url+"/api/cameras/"+id, strings.NewReader(`{"motion":{"enabled":false},"detect":{"enabled":false}}`))
			req.Header.Set("Authorization", "Bearer "+p.token)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
				b.Fatalf("turn analysis off: %v %v", err, resp)
			} else {
				resp.Body.Close()
			}
		}
		deadline := time.Now().Add(90 * time.Second)
		for j := 0; j < n; j++ {
			for {
				if s, _ := p.statusB(b, fmt.Sprintf("cam%02d", j)); s.State == "streaming" && s.Keyframes > 1 {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("cam%02d is not streaming", j)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
		var player []byte
		if os.Getenv("NVR_GRID_PLAYER") == "before" {
			player, _ = json.Marshal(oldTilePlayer)
		}
		r := runGridCheck(b, p.url, seconds, player)
		p.stopB(b)
		if r.Fatal != "" {
			b.Fatalf("grid-check.mjs: %s (page errors %v)", r.Fatal, r.Errors)
		}
		if r.Tiles != n {
			b.Fatalf("the grid shows %d tiles, want %d", r.Tiles, n)
		}
		b.ReportMetric(r.CPUPct, "%core-browser")
		if r.Frames > 0 {
			b.ReportMetric(100*float64(r.Dropped)/float64(r.Frames+r.Dropped), "%frames-dropped")
		}
		b.ReportMetric(float64(r.Frames)/float64(seconds), "frames/s-decoded")
		b.ReportMetric(float64(r.Advanced), "tiles-playing")
		b.ReportMetric(float64(r.PlayingAtEnd), "tiles-with-picture-at-end")
		b.ReportMetric(r.PlayedS, "x-realtime-all-tiles")
		b.ReportMetric(r.JSHeapUsed/(1<<20), "MiB-js-heap")
		b.ReportMetric(float64(r.Weight.GzipBytes)/1024, "KiB-page-gzip")
		b.ReportMetric(float64(r.Weight.Bytes)/1024, "KiB-page-raw")
		if len(r.FirstPictureMs) > 0 {
			b.ReportMetric(r.FirstPictureMs[0], "ms-first-picture-first-tile")
			b.ReportMetric(r.FirstPictureMs[len(r.FirstPictureMs)-1], "ms-first-picture-last-tile")
		}
		b.Logf("grid: %d tiles, %d showed a picture (ms %v), %d kept playing; at the end %d with a picture, %d reconnecting; %d browser processes at %.0f %% of a core; %d frames decoded, %d dropped; heap %.1f MiB of %.1f; page %d files %d B (%d B gzipped: %v)",
			r.Tiles, len(r.FirstPictureMs), r.FirstPictureMs, r.Advanced, r.PlayingAtEnd, r.Reconnecting, r.Processes, r.CPUPct, r.Frames, r.Dropped,
			r.JSHeapUsed/(1<<20), r.JSHeapTotal/(1<<20), r.Weight.Files, r.Weight.Bytes, r.Weight.GzipBytes, r.Weight.ByType)
	}
}

// gridResult is grid-check.mjs's answer.
type gridResult struct {
	Errors []string `json:"errors"`
	Fatal  string   `json:"fatal"`
	Weight struct {
		Files     int            `json:"files"`
		Bytes     int            `json:"bytes"`
		GzipBytes int            `json:"gzipBytes"`
		ByType    map[string]int `json:"byType"`
	} `json:"weight"`
	Tiles          int       `json:"tiles"`
	FirstPictureMs []float64 `json:"firstPictureMs"`
	Processes      int       `json:"processes"`
	CPUPct         float64   `json:"cpuPct"`
	Frames         int       `json:"frames"`
	Dropped        int       `json:"dropped"`
	Advanced       int       `json:"advanced"`
	PlayingAtEnd   int       `json:"playingAtEnd"`
	Reconnecting   int       `json:"reconnectingAtEnd"`
	PlayedS        float64   `json:"playedS"`
	JSHeapUsed     float64   `json:"jsHeapUsed"`
	JSHeapTotal    float64   `json:"jsHeapTotal"`
}

func runGridCheck(t testing.TB, base string, seconds int, player []byte) gridResult {
	t.Helper()
	cmd := exec.Command("node", filepath.Join(repoRoot, "ui", "test", "grid-check.mjs"), base)
	cmd.Dir = filepath.Join(repoRoot, "ui")
	shot := filepath.Join(repoRoot, ".cache", "webapp", "webbench", "grid16.png")
	_ = os.MkdirAll(filepath.Dir(shot), 0o755)
	cmd.Env = append(os.Environ(), "NVR_USER=root", "NVR_PASSWORD=correct horse battery",
		fmt.Sprintf("NVR_SECONDS=%d", seconds), "NVR_SHOT="+shot, "NVR_PLAYER="+string(player))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("grid-check.mjs: %v\n%s", err, out)
	}
	var r gridResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("grid-check.mjs output %q: %v", out, err)
	}
	return r
}
