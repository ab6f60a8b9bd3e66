package segments

import (
	"encoding/json"
	"fmt"
	"github.com/nvrproject/nvr/pkg/testskip"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
		testskip.Skip(t, "playwright-core is not installed in ui/node_modules", "run make setup")
	}
	needTool(t, "node")
	needTool(t, "/usr/bin/chromium")
	// Every writer's export of every clip, served over loopback like a download (with ranges, as a
	// player's seeks use them), checked in one browser.
	dir := t.TempDir()
	var names []string
	for _, tc := range []struct {
		name string
		spec clipSpec
	}{{"no B-frames", plainClip}, {"B-frames", bframeClip}, {"High profile", highClip}} {
		ts := clip(t, tc.spec)
		segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(8, 8)), realTime(len(ts)/188, 10*time.Second))
		paths := writeSegments(t, t.TempDir(), segs)
		for _, bw := range boxWriters {
			name := tc.name + "/" + bw.name
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.mp4", len(names))))
			if err != nil {
				t.Fatal(err)
			}
			err = exportMP4(f, paths, nil, bw.new())
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			names = append(names, name)
		}
	}
	// An export with its AAC track (export_audio.go) plays alike.
	avTS, err := os.ReadFile(avClip(t))
	if err != nil {
		t.Fatal(err)
	}
	avSegs := feed(NewSegmenter(0), avTS, rand.New(rand.NewPCG(8, 8)), realTime(len(avTS)/188, 10*time.Second))
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.mp4", len(names))))
	if err != nil {
		t.Fatal(err)
	}
	err = ExportMP4(f, writeSegments(t, t.TempDir(), avSegs), nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("with AAC: %v", err)
	}
	names = append(names, "with AAC/export")
	mux := http.NewServeMux()
	mux.HandleFunc("/{n}/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, `<!doctype html><link rel="icon" href="data:,"><video src="/%s.mp4" muted playsinline></video>`, r.PathValue("n"))
	})
	mux.HandleFunc("/{file}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeFile(w, r, filepath.Join(dir, filepath.Base(r.PathValue("file"))))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	args := []string{script}
	for i := range names {
		args = append(args, fmt.Sprintf("%s/%d/", srv.URL, i))
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = filepath.Join(root, "ui")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("mp4-check.mjs: %v\n%s", err, b)
	}
	var results []browserPlay
	if err := json.Unmarshal(b, &results); err != nil || len(results) != len(names) {
		t.Fatalf("mp4-check.mjs said %q: %v", b, err)
	}
	for i, r := range results {
		t.Logf("chromium, %s: %+v", names[i], r)
		if r.Fatal != "" || r.ErrorCode != 0 || len(r.Errors) > 0 {
			t.Errorf("%s: Chromium does not play the export: %s (media error %d, console %v)", names[i], r.Fatal, r.ErrorCode, r.Errors)
			continue
		}
		tol := 0.05
		if strings.HasPrefix(names[i], "with AAC") {
			tol = 0.1 // the audio track's end: its last frame ends up to two AAC frames after the video's
		}
		if math.Abs(r.Duration-10) > tol || r.VideoWidth != 640 || r.VideoHeight != 360 {
			t.Errorf("%s: Chromium reads %.3f s at %dx%d, want 10 s at 640x360", names[i], r.Duration, r.VideoWidth, r.VideoHeight)
		}
		if math.Abs(r.SeekedTo-r.SeekTarget) > 0.05 || math.Abs(r.EndTime-r.Duration) > 0.05 {
			t.Errorf("%s: seek to %.3f s landed at %.3f s; play ended at %.3f s of %.3f s", names[i], r.SeekTarget, r.SeekedTo, r.EndTime, r.Duration)
		}
		if r.Frames < 50 {
			t.Errorf("%s: Chromium decoded %d frames", names[i], r.Frames)
		}
	}
}
