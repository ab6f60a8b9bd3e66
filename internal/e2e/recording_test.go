package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

type recordingOut struct {
	ID       string `json:"id"`
	Camera   string `json:"camera"`
	Kind     string `json:"kind"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Bytes    int64  `json:"bytes"`
	Reason   string `json:"reason"`
	Open     bool   `json:"open"`
	Segments int    `json:"segments"`
	Playlist string `json:"playlist"`
}

type hlsSegment struct {
	uri      string
	pdt      time.Time
	duration float64
}

// parsePlaylist reads an HLS media playlist and checks its frame.
func parsePlaylist(t *testing.T, body string) []hlsSegment {
	t.Helper()
	if !strings.HasPrefix(body, "#EXTM3U") || !strings.Contains(body, "#EXT-X-ENDLIST") || !strings.Contains(body, "#EXT-X-TARGETDURATION:") {
		t.Fatalf("not a finished HLS VOD playlist:\n%s", body)
	}
	var segs []hlsSegment
	var cur hlsSegment
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#EXT-X-PROGRAM-DATE-TIME:"):
			tm, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(line, "#EXT-X-PROGRAM-DATE-TIME:"))
			if err != nil {
				t.Fatalf("bad PROGRAM-DATE-TIME %q", line)
			}
			cur.pdt = tm
		case strings.HasPrefix(line, "#EXTINF:"):
			v := strings.TrimSuffix(strings.TrimPrefix(line, "#EXTINF:"), ",")
			d, err := strconv.ParseFloat(strings.Split(v, ",")[0], 64)
			if err != nil {
				t.Fatalf("bad EXTINF %q", line)
			}
			cur.duration = d
		case line != "" && !strings.HasPrefix(line, "#"):
			cur.uri = line
			if cur.pdt.IsZero() {
				t.Fatalf("segment %s has no EXT-X-PROGRAM-DATE-TIME", line)
			}
			segs = append(segs, cur)
			cur = hlsSegment{}
		}
	}
	return segs
}

func (n *nvr) body(path string, hdr http.Header) (int, []byte, http.Header) {
	n.t.Helper()
	req, _ := http.NewRequest("GET", n.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+n.token)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func (n *nvr) recordings(camera string) []recordingOut {
	var out []recordingOut
	if code := n.do("GET", "/api/recordings?camera="+camera, nil, &out); code != 200 {
		n.t.Fatalf("list recordings: HTTP %d", code)
	}
	return out
}

// waitRecordings waits until the camera has recordings that satisfy cond.
func (n *nvr) waitRecordings(camera string, timeout time.Duration, what string, cond func([]recordingOut) bool) []recordingOut {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	var rs []recordingOut
	for time.Now().Before(deadline) {
		rs = n.recordings(camera)
		if cond(rs) {
			return rs
		}
		time.Sleep(300 * time.Millisecond)
	}
	n.t.Fatalf("%s not reached within %s; recordings: %+v", what, timeout, rs)
	return nil
}

// fetchPlaylistMedia downloads a playlist's segments into one TS file and returns its path.
func (n *nvr) fetchPlaylistMedia(base string, segs []hlsSegment) string {
	n.t.Helper()
	var all bytes.Buffer
	for _, s := range segs {
		uri := s.uri
		if !strings.HasPrefix(uri, "/") {
			uri = base[:strings.LastIndex(base, "/")+1] + uri
		}
		code, b, hdr := n.body(uri, nil)
		if code != 200 || hdr.Get("Content-Type") != "video/mp2t" || len(b)%188 != 0 || b[0] != 0x47 {
			n.t.Fatalf("segment %s: HTTP %d %s, %d bytes", uri, code, hdr.Get("Content-Type"), len(b))
		}
		all.Write(b)
	}
	path := filepath.Join(n.t.TempDir(), "media.ts")
	if err := os.WriteFile(path, all.Bytes(), 0o644); err != nil {
		n.t.Fatal(err)
	}
	return path
}

// mediaDuration is ffprobe's idea of a file's duration in seconds.
func mediaDuration(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe duration %q", out)
	}
	return d
}

func streamProfile(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,profile,width,height,pix_fmt,level", "-of", "default=nw=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	// For TS, ffprobe repeats the stream under its program: keep each line once.
	seen := map[string]bool{}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !seen[l] {
			seen[l] = true
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}

// TestEventRecordingWithPreRoll: a trigger at T with pre_roll_s = 6 gives a recording whose first
// frame is at or before T − 6 s + one segment; a second trigger 3 s later extends the same recording;
// the playlist plays in ffprobe with its stated duration and the camera's own codec parameters.
func TestEventRecordingWithPreRoll(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	if _, err := exec.LookPath("ffprobe"); err != nil {
		testskip.Skip(t, "ffprobe is not installed", "run make setup")
	}
	cam := startCamera(t, testcam.Options{})
	n := startNVR(t)
	var c map[string]any
	code := n.do("POST", "/api/cameras", map[string]any{"name": "Shed", "url": cam.URL(),
		"record": map[string]any{"mode": "events", "pre_roll_s": 6, "post_roll_s": 2},
		// The test pattern moves all the time: only the triggers below may record.
		"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}, &c)
	if code != 201 {
		t.Fatalf("create camera: %d %v", code, c)
	}
	id := c["id"].(string)
	n.waitStatus(id, 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	time.Sleep(9 * time.Second) // fill the pre-roll ring

	T := time.Now()
	var acc map[string]any
	if code := n.do("POST", "/api/cameras/"+id+"/record", map[string]any{"seconds": 3}, &acc); code != 202 {
		t.Fatalf("trigger: %d %v", code, acc)
	}
	time.Sleep(3 * time.Second)
	if code := n.do("POST", "/api/cameras/"+id+"/record", map[string]any{"seconds": 3}, &acc); code != 202 {
		t.Fatalf("second trigger: %d %v", code, acc)
	}
	T2 := time.Now()
	rs := n.waitRecordings(id, 20*time.Second, "a finished recording", func(rs []recordingOut) bool { return len(rs) > 0 && !rs[0].Open })
	if len(rs) != 1 {
		t.Fatalf("two triggers 3 s apart made %d recordings, want 1: %+v", len(rs), rs)
	}
	rec := rs[0]
	code, pl, hdr := n.body(rec.Playlist, nil)
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "mpegurl") {
		t.Fatalf("playlist: %d %s", code, hdr.Get("Content-Type"))
	}
	segs := parsePlaylist(t, string(pl))
	first := segs[0].pdt
	segLen := 2*time.Second + 100*time.Millisecond
	if first.After(T.Add(-6 * time.Second).Add(segLen)) {
		t.Fatalf("the recording starts at %s, later than T−6 s + one segment (%s)", first.Format(time.RFC3339Nano), T.Add(-6*time.Second).Add(segLen).Format(time.RFC3339Nano))
	}
	if first.Before(T.Add(-6 * time.Second).Add(-segLen)) {
		t.Fatalf("the recording starts at %s, much earlier than the pre-roll asks", first)
	}
	var sum float64
	for i, s := range segs {
		sum += s.duration
		if i > 0 {
			if gap := s.pdt.Sub(segs[i-1].pdt.Add(time.Duration(segs[i-1].duration * float64(time.Second)))); gap.Abs() > 150*time.Millisecond {
				t.Errorf("gap of %s between segments %d and %d", gap, i-1, i)
			}
		}
	}
	end := first.Add(time.Duration(sum * float64(time.Second)))
	if end.Before(T2.Add(3 * time.Second)) {
		t.Fatalf("the recording ends at %s, before the second trigger's end %s", end, T2.Add(3*time.Second))
	}
	media := n.fetchPlaylistMedia(rec.Playlist, segs)
	if d := mediaDuration(t, media); d < sum-0.3 || d > sum+0.3 {
		t.Fatalf("the media lasts %.2f s, the playlist says %.2f s", d, sum)
	}
	camProfile := streamProfile(t, writeClipTS(t))
	if got := streamProfile(t, media); got != camProfile {
		t.Fatalf("recorded stream %q differs from the camera's %q (re-encoded?)", got, camProfile)
	}
	if p := ffprobe(t, media); p.Streams[0].Width != 640 || atoi(p.Streams[0].NbReadFrames) < int(sum*25)-5 {
		t.Fatalf("recording decodes to %+v, want 640 wide and about %.0f frames", p.Streams[0], sum*25)
	}

	// Export: the API streams an MP4 of the span, and nvrd export writes the same on the CLI.
	q0 := fmt.Sprintf("?since=%s&until=%s", first.Add(-time.Second).UTC().Format(time.RFC3339Nano), end.Add(time.Second).UTC().Format(time.RFC3339Nano))
	code, mp4, hdr := n.body("/api/cameras/"+id+"/export.mp4"+q0, nil)
	if code != 200 || hdr.Get("Content-Type") != "video/mp4" {
		t.Fatalf("export: HTTP %d %s %s", code, hdr.Get("Content-Type"), mp4)
	}
	mp4Path := filepath.Join(t.TempDir(), "export.mp4")
	if err := os.WriteFile(mp4Path, mp4, 0o644); err != nil {
		t.Fatal(err)
	}
	if d := mediaDuration(t, mp4Path); d < sum-0.3 || d > sum+0.3 {
		t.Fatalf("the export lasts %.2f s, the recording %.2f s", d, sum)
	}
	if got := streamProfile(t, mp4Path); got != camProfile {
		t.Fatalf("exported stream %q differs from the camera's %q", got, camProfile)
	}
	cliOut := filepath.Join(t.TempDir(), "cli.mp4")
	cmd := exec.Command(nvrdBin, "export", "--data-dir", n.dataDir, "--camera", "Shed", "--since", first.Add(-time.Second).UTC().Format(time.RFC3339Nano),
		"--until", end.Add(time.Second).UTC().Format(time.RFC3339Nano), "-o", cliOut)
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "segments") || !strings.Contains(string(b), "of Shed recorded between") ||
		strings.Count(string(b), "segments") != 1 {
		t.Fatalf("nvrd export: %v\n%s", err, b)
	}
	if d := mediaDuration(t, cliOut); d < sum-0.3 || d > sum+0.3 {
		t.Fatalf("nvrd export wrote %.2f s, want %.2f s", d, sum)
	}

	// Range requests on a segment.
	seg0 := rec.Playlist[:strings.LastIndex(rec.Playlist, "/")+1] + segs[0].uri
	code, part, hdr := n.body(seg0, http.Header{"Range": {"bytes=188-375"}})
	if code != 206 || len(part) != 188 || part[0] != 0x47 || !strings.HasPrefix(hdr.Get("Content-Range"), "bytes 188-375/") {
		t.Fatalf("range request: %d, %d bytes, %q", code, len(part), hdr.Get("Content-Range"))
	}
	// The per-camera timeline playlist covers the same footage.
	q := fmt.Sprintf("?since=%s&until=%s", first.Add(-time.Minute).UTC().Format(time.RFC3339), time.Now().Add(time.Minute).UTC().Format(time.RFC3339))
	code, tl, _ := n.body("/api/cameras/"+id+"/recordings.m3u8"+q, nil)
	if code != 200 || len(parsePlaylist(t, string(tl))) != len(segs) {
		t.Fatalf("camera playlist: %d\n%s", code, tl)
	}

	// Bad ids and spans: clear 4xx.
	for path, want := range map[string]int{
		"/api/recordings/abc/index.m3u8":                                                                404,
		"/api/recordings/999999/index.m3u8":                                                             404,
		"/api/recordings/" + rec.ID + "/segments/999999.ts":                                             404,
		"/api/recordings/" + rec.ID + "/segments/..%2fnvr.db":                                           404,
		"/api/recordings/" + rec.ID + "/segments/000000.ts%00":                                          404,
		"/api/cameras/" + id + "/recordings.m3u8?since=yesterday":                                       400,
		"/api/cameras/" + id + "/recordings.m3u8?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z": 400,
		"/api/cameras/" + id + "/export.mp4?since=2026-01-01T00:00:00Z":                                 400,
	} {
		code, b, _ := n.body(path, nil)
		if code != want || !strings.Contains(string(b), `"error"`) {
			t.Errorf("%s: HTTP %d %s, want %d with an error message", path, code, b, want)
		}
	}
}

// writeClipTS muxes the test camera's clip into a TS file with GStreamer, for comparing codec parameters.
func writeClipTS(t *testing.T) string {
	t.Helper()
	var es bytes.Buffer
	for _, au := range clip {
		for _, nalu := range au {
			es.Write([]byte{0, 0, 0, 1})
			es.Write(nalu)
		}
	}
	dir := t.TempDir()
	h264 := filepath.Join(dir, "clip.h264")
	if err := os.WriteFile(h264, es.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "clip.ts")
	cmd := exec.Command("gst-launch-1.0", "-q", "filesrc", "location="+h264, "!", "h264parse", "!", "mpegtsmux", "!", "filesink", "location="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mux clip: %v %s", err, b)
	}
	return out
}

// TestRecordOffKeepsNoFootage: a camera with recording off keeps no pre-roll ring in the RAM disk, and
// one switched to events gets its ring, which goes away again when it is switched back to off.
func TestRecordOffKeepsNoFootage(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	cam := startCamera(t, testcam.Options{})
	n := startNVR(t)
	var c map[string]any
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Attic", "url": cam.URL(),
		"record": map[string]any{"mode": "off"}, "motion": map[string]any{"enabled": false}}, &c); code != 201 {
		t.Fatalf("create camera: %d %v", code, c)
	}
	ring := filepath.Join(filepath.Dir(n.dataDir), "ram", "attic")
	ringFiles := func() int {
		m, _ := filepath.Glob(filepath.Join(ring, "*.ts"))
		return len(m)
	}
	n.waitStatus("attic", 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	time.Sleep(5 * time.Second) // two segments' worth
	if k := ringFiles(); k != 0 {
		t.Fatalf("recording off, yet %d pre-roll files in %s", k, ring)
	}
	setMode := func(mode string) {
		if code := n.do("PATCH", "/api/cameras/attic", map[string]any{"record": map[string]any{"mode": mode}}, nil); code != 200 {
			t.Fatalf("set record mode %s: HTTP %d", mode, code)
		}
	}
	setMode("events")
	deadline := time.Now().Add(15 * time.Second)
	for ringFiles() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("events mode: no pre-roll ring appeared in the RAM disk")
		}
		time.Sleep(200 * time.Millisecond)
	}
	setMode("off")
	for deadline = time.Now().Add(15 * time.Second); ringFiles() != 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("back to off: %d pre-roll files left in the RAM disk", ringFiles())
		}
	}
	if rs := n.recordings("attic"); len(rs) != 0 {
		t.Fatalf("recording off made recordings: %+v", rs)
	}
}
