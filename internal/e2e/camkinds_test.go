package e2e

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// streams caches the realistic test cameras' clips for this test process (and on disk in .cache).
var streams sync.Map // testcam.Clip → *testcam.Stream

func clipStream(t *testing.T, c testcam.Clip) *testcam.Stream {
	t.Helper()
	need(t)
	if s, ok := streams.Load(c); ok {
		return s.(*testcam.Stream)
	}
	s, err := testcam.EncodeStream(filepath.Join(repoRoot, ".cache", "testclips"), c)
	if err != nil {
		t.Fatal(err)
	}
	streams.Store(c, s)
	return s
}

type playResult struct {
	Errors []string `json:"errors"`
	Fatal  string   `json:"fatal"`
	First  struct {
		CurrentTime float64 `json:"currentTime"`
		Frames      int     `json:"frames"`
		Dropped     int     `json:"dropped"`
		VideoWidth  int     `json:"videoWidth"`
	} `json:"first"`
	Last struct {
		CurrentTime float64 `json:"currentTime"`
		Frames      int     `json:"frames"`
		Dropped     int     `json:"dropped"`
	} `json:"last"`
}

// runLivePlay opens the live page of camera id in headless Chromium (ui/test/live-play.mjs) and waits
// until currentTime has advanced 6 s after 2 s of settling.
func runLivePlay(t *testing.T, n *nvr, id string) playResult {
	t.Helper()
	cmd := exec.Command("node", filepath.Join(repoRoot, "ui", "test", "live-play.mjs"), n.srv.URL+"/?camera="+id, "6", "2")
	cmd.Dir = filepath.Join(repoRoot, "ui")
	cmd.Env = append(os.Environ(), "NVR_USER=root", "NVR_PASSWORD=correct horse battery")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("live-play.mjs: %v\n%s", err, out)
	}
	var r playResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("live-play output %q: %v", out, err)
	}
	t.Logf("browser: %s", out)
	return r
}

// TestRealisticCamerasLiveAndRecorded runs cameras shaped like real ones (issue 18/19) through nvrd:
// (a) the live TS has one whole picture per PES, each with a PTS and decode times in order; (b) headless
// Chromium plays the live page with currentTime advancing and under 40 % of frames dropped (see below); (c) a
// recording plays in ffprobe with the playlist's duration and the camera's frame rate.
func TestRealisticCamerasLiveAndRecorded(t *testing.T) {
	cases := []struct {
		name string
		clip testcam.Clip
	}{
		// The original test camera (x264 zerolatency: no B-frames), for comparison.
		{"baseline", testcam.Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 25, BitrateKbps: 1000, Frames: 100}},
		{"high-bframes", testcam.HighBFrames},
		{"multi-slice", testcam.MultiSlice},
		{"30fps-4s-gop", testcam.Thirty},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := clipStream(t, tc.clip)
			cam := startCamera(t, s.Options(tc.clip.FPS))
			n := startNVR(t)
			var c map[string]any
			if code := n.do("POST", "/api/cameras", map[string]any{"name": "Cam " + tc.name, "url": cam.URL(),
				"record": map[string]any{"mode": "events", "pre_roll_s": 0, "post_roll_s": 0},
				"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}, &c); code != 201 {
				t.Fatalf("create camera: %d %v", code, c)
			}
			id := c["id"].(string)
			n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })

			// (a) The live TS, from a viewer's first keyframe on.
			gop := time.Duration(tc.clip.KeyInt) * time.Second / time.Duration(tc.clip.FPS)
			all := checkTS(t, readLive(t, n.dialLive(id), 2*gop+2*time.Second))
			pes, err := testcam.ReadVideoPES(all)
			if err != nil {
				t.Fatal(err)
			}
			f, err := testcam.CheckAUs(pes)
			t.Logf("live: %d PES, %+v", len(pes), f)
			if err != nil {
				t.Fatalf("live TS: %v", err)
			}
			// x264 without zerolatency sends B-frames (even at bframes=0, its preset's).
			if tc.clip.Lookahead && f.ExplicitDTS < len(pes)/2 {
				t.Fatalf("only %d of %d live PES have a DTS before their PTS; the camera sends B-frames", f.ExplicitDTS, len(pes))
			}

			// (b) Chromium plays it.
			needBrowser(t)
			r := runLivePlay(t, n, id)
			if r.Fatal != "" {
				t.Fatalf("the live page did not play 6 s of video: %s (console errors: %v)", r.Fatal, r.Errors)
			}
			if r.First.VideoWidth != tc.clip.Width {
				t.Fatalf("video is %d wide, want %d", r.First.VideoWidth, tc.clip.Width)
			}
			// Half pictures (the multi-slice bug) made Chromium drop about half the frames, and (a) above
			// already fails on them by their structure. A whole stream drops 0–2 % on a quiet machine, but
			// when the whole suite loads both cores the player falls behind, plays at 1.2× to catch up and
			// drops a fifth (21 % in one CI run), so this line sits at 40 %: it still fails on a stream
			// that decodes badly, never on load. The quiet-machine figure is in the report.
			frames, dropped := r.Last.Frames-r.First.Frames, r.Last.Dropped-r.First.Dropped
			t.Logf("Chromium dropped %d of %d frames while playing 6 s", dropped, frames)
			if frames <= 0 || float64(dropped) >= 0.40*float64(frames) {
				t.Fatalf("Chromium dropped %d of %d frames while playing 6 s", dropped, frames)
			}
			if len(r.Errors) > 0 {
				t.Fatalf("console errors: %v", r.Errors)
			}

			// (c) A recording plays with its duration and frame count.
			if code := n.do("POST", "/api/cameras/"+id+"/record", map[string]any{"seconds": 4}, nil); code != 202 {
				t.Fatalf("trigger: HTTP %d", code)
			}
			rs := n.waitRecordings(id, 60*time.Second, "a finished recording", func(rs []recordingOut) bool { return len(rs) > 0 && !rs[0].Open })
			_, pl, _ := n.body(rs[0].Playlist, nil)
			segs := parsePlaylist(t, string(pl))
			var sum float64
			for _, sg := range segs {
				sum += sg.duration
			}
			media := n.fetchPlaylistMedia(rs[0].Playlist, segs)
			d := mediaDuration(t, media)
			p := ffprobe(t, media)
			got, want := atoi(p.Streams[0].NbReadFrames), sum*float64(tc.clip.FPS)
			t.Logf("recording: %d segments, playlist %.2f s, media %.2f s, %d frames (want about %.0f)", len(segs), sum, d, got, want)
			if math.Abs(d-sum) > 0.3 {
				t.Fatalf("the recording lasts %.2f s in ffprobe, the playlist says %.2f s", d, sum)
			}
			if math.Abs(float64(got)-want) > 0.03*want+2 {
				t.Fatalf("the recording decodes to %d frames, want about %.0f (%.2f s at %d fps)", got, want, sum, tc.clip.FPS)
			}
			if !strings.HasPrefix(p.Streams[0].CodecName, "h264") || p.Streams[0].Width != tc.clip.Width {
				t.Fatalf("recording is %+v", p.Streams[0])
			}
		})
	}
}
