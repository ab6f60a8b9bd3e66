package e2e

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// streamCodecs returns the codec names of every stream ffprobe finds in path, sorted ("aac", "h264").
func streamCodecs(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	seen := map[string]bool{}
	var codecs []string
	for _, l := range strings.Fields(string(out)) {
		if !seen[l] {
			seen[l] = true
			codecs = append(codecs, l)
		}
	}
	sort.Strings(codecs)
	return codecs
}

// TestCamerasWithAudio: an H.264+AAC camera (AAC passed through) and an H.264+PCMA camera (G.711
// transcoded to AAC in the worker) both carry H.264 and AAC in the live TS and in their recordings, and
// their status says "audio":"aac".
func TestCamerasWithAudio(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	const want = "aac,h264"
	need(t)
	aac, err := testcam.EncodeAAC(filepath.Join(repoRoot, ".cache", "testclips"))
	if err != nil {
		t.Fatal(err)
	}
	cams := map[string]*testcam.Server{
		"aac":  startCamera(t, testcam.Options{Audio: testcam.AudioAAC, AAC: aac}),
		"pcma": startCamera(t, testcam.Options{Audio: testcam.AudioPCMA}),
	}
	n := startNVR(t)
	ids := map[string]string{}
	for name, cam := range cams {
		var c map[string]any
		if code := n.do("POST", "/api/cameras", map[string]any{"name": "Audio " + name, "url": cam.URL(),
			"record": map[string]any{"mode": "events", "pre_roll_s": 0, "post_roll_s": 0},
			"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}, &c); code != 201 {
			t.Fatalf("create %s: %d %v", name, code, c)
		}
		ids[name] = c["id"].(string)
	}
	for name, id := range ids {
		st := n.waitStatus(id, 45*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
		if st.Codec != "h264" || st.Audio != "aac" || st.AudioError != "" {
			t.Fatalf("%s: status codec %q audio %q (%q), want h264 and aac", name, st.Codec, st.Audio, st.AudioError)
		}
	}
	for name, id := range ids {
		// The live TS.
		live := checkTS(t, readLive(t, n.dialLive(id), 4*time.Second))
		livePath := filepath.Join(t.TempDir(), "live.ts")
		if err := os.WriteFile(livePath, live, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(streamCodecs(t, livePath), ","); got != want {
			t.Fatalf("%s: the live TS has streams %q, want %s", name, got, want)
		}
		// A recording.
		if code := n.do("POST", "/api/cameras/"+id+"/record", map[string]any{"seconds": 3}, nil); code != 202 {
			t.Fatalf("%s: trigger: HTTP %d", name, code)
		}
	}
	for name, id := range ids {
		rs := n.waitRecordings(id, 60*time.Second, "a finished recording", func(rs []recordingOut) bool { return len(rs) > 0 && !rs[0].Open })
		_, pl, _ := n.body(rs[0].Playlist, nil)
		media := n.fetchPlaylistMedia(rs[0].Playlist, parsePlaylist(t, string(pl)))
		if got := strings.Join(streamCodecs(t, media), ","); got != want {
			t.Fatalf("%s: the recording has streams %q, want %s", name, got, want)
		}
		// Its MP4 export keeps the audio beside the video.
		mp4 := n.exportOf(id, rs[0])
		if got := strings.Join(streamCodecs(t, mp4), ","); got != want {
			t.Fatalf("%s: the MP4 export has streams %q, want %s", name, got, want)
		}
		if v, a := streamDuration(t, mp4, "v:0"), streamDuration(t, mp4, "a:0"); math.Abs(v-a) > 0.5 || v < 2 {
			t.Fatalf("%s: the export's video lasts %.2f s and its audio %.2f s", name, v, a)
		}
	}
}

// exportOf fetches the MP4 export of a recording's span into a file and returns its path.
func (n *nvr) exportOf(id string, r recordingOut) string {
	n.t.Helper()
	start, err := time.Parse(time.RFC3339Nano, r.Start)
	if err != nil {
		n.t.Fatal(err)
	}
	end, err := time.Parse(time.RFC3339Nano, r.End)
	if err != nil {
		n.t.Fatal(err)
	}
	q := fmt.Sprintf("?since=%s&until=%s", start.UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano))
	code, mp4, _ := n.body("/api/cameras/"+id+"/export.mp4"+q, nil)
	if code != 200 {
		n.t.Fatalf("export: HTTP %d %s", code, mp4)
	}
	p := filepath.Join(n.t.TempDir(), "export.mp4")
	if err := os.WriteFile(p, mp4, 0o644); err != nil {
		n.t.Fatal(err)
	}
	return p
}

// streamDuration is the duration ffprobe gives one stream (e.g. "a:0") of path.
func streamDuration(t *testing.T, path, stream string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "stream=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe %s: duration %q", path, out)
	}
	return d
}
