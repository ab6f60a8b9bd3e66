package e2e

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestH265CameraRecordedExportedAndAnalysed: a real x265 camera (B-frames, 2 s GOP, a moving ball)
// streams with codec "h265" in its status and an HEVC live TS from a keyframe on, its recording is HEVC with the playlist's duration, its MP4
// export is HEVC in an hvc1 sample entry with the same duration, and its keyframes are decoded for
// motion (the moving ball makes a motion event).
func TestH265CameraRecordedExportedAndAnalysed(t *testing.T) {
	s := clipStream(t, testcam.HEVC)
	cam := startCamera(t, s.Options(testcam.HEVC.FPS))
	n := startNVR(t)
	create := func(name string, body map[string]any) string {
		t.Helper()
		body["name"], body["url"] = name, cam.URL()
		var c map[string]any
		if code := n.do("POST", "/api/cameras", body, &c); code != 201 {
			t.Fatalf("create %s: %d %v", name, code, c)
		}
		return c["id"].(string)
	}
	// One camera entry records on demand, the other only analyses (the ball never stops moving, so a
	// motion-triggered recording would never end).
	recID := create("HEVC rec", map[string]any{"record": map[string]any{"mode": "events", "pre_roll_s": 0, "post_roll_s": 0},
		"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}})
	motID := create("HEVC motion", map[string]any{"record": map[string]any{"mode": "off"}, "detect": map[string]any{"enabled": false}})
	for _, id := range []string{recID, motID} {
		st := n.waitStatus(id, 45*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
		if st.Codec != "h265" {
			t.Fatalf("%s: status codec %q, want h265", id, st.Codec)
		}
	}

	// The live TS starts at a keyframe (mpegtsmux marks H.265 IRAP pictures random-access) and its PMT
	// says HEVC.
	live := checkTS(t, readLive(t, n.dialLive(recID), 3*time.Second))
	livePath := filepath.Join(t.TempDir(), "live.ts")
	if err := os.WriteFile(livePath, live, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(streamCodecs(t, livePath), ","); got != "hevc" {
		t.Fatalf("the live TS has streams %q, want hevc", got)
	}

	// The recording.
	if code := n.do("POST", "/api/cameras/"+recID+"/record", map[string]any{"seconds": 4}, nil); code != 202 {
		t.Fatalf("trigger: HTTP %d", code)
	}
	rs := n.waitRecordings(recID, 60*time.Second, "a finished recording", func(rs []recordingOut) bool { return len(rs) > 0 && !rs[0].Open })
	_, pl, _ := n.body(rs[0].Playlist, nil)
	segs := parsePlaylist(t, string(pl))
	var sum float64
	for _, sg := range segs {
		sum += sg.duration
	}
	media := n.fetchPlaylistMedia(rs[0].Playlist, segs)
	if p := ffprobe(t, media); p.Streams[0].CodecName != "hevc" || p.Streams[0].Width != testcam.HEVC.Width {
		t.Fatalf("recording is %+v, want hevc %d wide", p.Streams[0], testcam.HEVC.Width)
	}
	if d := mediaDuration(t, media); math.Abs(d-sum) > 0.3 || sum < 3 {
		t.Fatalf("the recording lasts %.2f s in ffprobe, the playlist says %.2f s (asked for 4 s)", d, sum)
	}

	// Its MP4 export.
	start, err := time.Parse(time.RFC3339Nano, rs[0].Start)
	if err != nil {
		t.Fatal(err)
	}
	end, err := time.Parse(time.RFC3339Nano, rs[0].End)
	if err != nil {
		t.Fatal(err)
	}
	q := fmt.Sprintf("?since=%s&until=%s", start.Add(-time.Second).UTC().Format(time.RFC3339Nano), end.Add(time.Second).UTC().Format(time.RFC3339Nano))
	code, mp4, _ := n.body("/api/cameras/"+recID+"/export.mp4"+q, nil)
	if code != 200 {
		t.Fatalf("export: HTTP %d %s", code, mp4)
	}
	mp4Path := filepath.Join(t.TempDir(), "export.mp4")
	if err := os.WriteFile(mp4Path, mp4, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,codec_tag_string", "-of", "default=nw=1", mp4Path).Output()
	if err != nil || !strings.Contains(string(out), "codec_name=hevc") || !strings.Contains(string(out), "codec_tag_string=hvc1") {
		t.Fatalf("export ffprobes as %q (%v), want hevc in hvc1", out, err)
	}
	if d := mediaDuration(t, mp4Path); math.Abs(d-sum) > 0.3 {
		t.Fatalf("the export lasts %.2f s, the recording %.2f s", d, sum)
	}
	if p := ffprobe(t, mp4Path); atoi(p.Streams[0].NbReadFrames) < int(sum*float64(testcam.HEVC.FPS))-5 {
		t.Fatalf("the export decodes to %s frames, want about %.0f", p.Streams[0].NbReadFrames, sum*float64(testcam.HEVC.FPS))
	}

	// Motion on the H.265 keyframes.
	deadline := time.Now().Add(60 * time.Second)
	for len(n.events("camera="+motID+"&kind=motion")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the moving ball made no motion event on the H.265 camera in 60 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
}
