package segments

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// browserPlay is what ui/test/mp4-check.mjs reports.
type browserPlay struct {
	Errors                  []string `json:"errors"`
	Fatal                   string   `json:"fatal"`
	Duration                float64  `json:"duration"`
	VideoWidth, VideoHeight int
	SeekedTo, SeekTarget    float64
	EndTime                 float64
	Frames                  int
	ErrorCode               int
}

// TestExportMP4PlaysInChromium opens each box writer's export of a 10 s clip, with and without
// B-frames, as a downloaded file in headless Chromium: the duration and size are right, it plays,
// seeks and plays to the end.
func TestExportMP4PlaysInChromium(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	script := filepath.Join(root, "ui", "test", "mp4-check.mjs")
	if _, err := os.Stat(filepath.Join(root, "ui", "node_modules", "playwright-core")); err != nil {
		t.Skip("playwright-core is not installed in ui/node_modules; run scripts/setup")
	}
	needTool(t, "node")
	needTool(t, "/usr/bin/chromium")
	for _, tc := range []struct {
		name string
		spec clipSpec
	}{{"no B-frames", plainClip}, {"B-frames", bframeClip}, {"High profile", highClip}} {
		ts := clip(t, tc.spec)
		segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(8, 8)), realTime(len(ts)/188, 10*time.Second))
		dir := t.TempDir()
		paths := writeSegments(t, dir, segs)
		for _, bw := range boxWriters {
			t.Run(tc.name+"/"+bw.name, func(t *testing.T) {
				out := filepath.Join(dir, bw.name+".mp4")
				f, err := os.Create(out)
				if err != nil {
					t.Fatal(err)
				}
				err = exportMP4(f, paths, nil, bw.new())
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					t.Fatal(err)
				}
				mux := http.NewServeMux()
				mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
					_, _ = w.Write([]byte(`<!doctype html><video src="/export.mp4" muted playsinline></video>`))
				})
				mux.HandleFunc("/export.mp4", func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "video/mp4")
					http.ServeFile(w, r, out) // with ranges, as nvrd's own file downloads and a player's seeks
				})
				srv := httptest.NewServer(mux)
				defer srv.Close()
				cmd := exec.Command("node", script, srv.URL+"/")
				cmd.Dir = filepath.Join(root, "ui")
				b, err := cmd.Output()
				if err != nil {
					t.Fatalf("mp4-check.mjs: %v\n%s", err, b)
				}
				var r browserPlay
				if err := json.Unmarshal(b, &r); err != nil {
					t.Fatalf("mp4-check.mjs said %q: %v", b, err)
				}
				t.Logf("chromium: %s", b)
				if r.Fatal != "" || r.ErrorCode != 0 || len(r.Errors) > 0 {
					t.Fatalf("Chromium does not play the export: %s (media error %d, console %v)", r.Fatal, r.ErrorCode, r.Errors)
				}
				if math.Abs(r.Duration-10) > 0.05 || r.VideoWidth != 640 || r.VideoHeight != 360 {
					t.Fatalf("Chromium reads %.3f s at %dx%d, want 10 s at 640x360", r.Duration, r.VideoWidth, r.VideoHeight)
				}
				if math.Abs(r.SeekedTo-r.SeekTarget) > 0.05 || math.Abs(r.EndTime-r.Duration) > 0.05 {
					t.Fatalf("seek to %.3f s landed at %.3f s; play ended at %.3f s of %.3f s", r.SeekTarget, r.SeekedTo, r.EndTime, r.Duration)
				}
				if r.Frames < 50 {
					t.Fatalf("Chromium decoded %d frames", r.Frames)
				}
			})
		}
	}
}
