package segments

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// avClip encodes 10 s of H.264 and AAC (44.1 kHz mono, as the worker's G.711 transcode or a camera's
// own AAC) into one TS as the worker's muxer does.
func avClip(t *testing.T) string {
	t.Helper()
	needTool(t, "gst-launch-1.0")
	out := filepath.Join(t.TempDir(), "av.ts")
	args := []string{"-q", "videotestsrc", "num-buffers=250", "pattern=ball", "!", "video/x-raw,format=I420,width=640,height=360,framerate=25/1",
		"!", "x264enc", "key-int-max=25", "tune=zerolatency", "speed-preset=ultrafast", "!", "h264parse", "config-interval=-1",
		"!", "video/x-h264,stream-format=byte-stream,alignment=au", "!", "mux.",
		"audiotestsrc", "num-buffers=431", "samplesperbuffer=1024", "!", "audio/x-raw,rate=44100,channels=1", "!", "audioconvert",
		"!", "avenc_aac", "bitrate=64000", "!", "aacparse", "!", "mux.", "mpegtsmux", "name=mux", "!", "filesink", "location=" + out}
	if b, err := exec.Command("gst-launch-1.0", args...).CombinedOutput(); err != nil {
		t.Fatalf("gst-launch-1.0 %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// streamFacts are the codec name and duration of every stream in path.
func streamFacts(t *testing.T, path string) map[string]float64 {
	t.Helper()
	needTool(t, "ffprobe")
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name,duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
			Duration  string `json:"duration"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	m := map[string]float64{}
	for _, s := range r.Streams {
		m[s.CodecName] = seconds(t, s.Duration)
	}
	return m
}

// audioPackets are the sizes and MD5s of the audio frames of path, copied out without decoding (from
// a TS without their ADTS headers, as MP4 keeps them).
func audioPackets(t *testing.T, path string) []string {
	t.Helper()
	needTool(t, "ffmpeg")
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:a", "-c", "copy", "-bsf:a", "aac_adtstoasc", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg %s: %v", path, err)
	}
	var sums []string
	for _, l := range strings.Split(string(out), "\n") {
		// stream, dts, pts, duration, size, hash[, side data]
		if f := strings.Split(l, ","); len(f) >= 6 && !strings.HasPrefix(l, "#") {
			sums = append(sums, strings.TrimSpace(f[4])+":"+strings.TrimSpace(f[5]))
		}
	}
	return sums
}

// TestExportMP4CarriesAudio: a recording with AAC audio exports to an MP4 with the H.264 track and an
// AAC track beside it, both lasting the recording's 10 s, the audio frames copied byte for byte (no
// re-encoding) from the first keyframe on.
func TestExportMP4CarriesAudio(t *testing.T) {
	src := avClip(t)
	ts, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(3, 3)), realTime(len(ts)/188, 10*time.Second))
	dir := t.TempDir()
	out := filepath.Join(dir, "export.mp4")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	err = ExportMP4(f, writeSegments(t, dir, segs), nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	got := streamFacts(t, out)
	if len(got) != 2 || got["h264"] == 0 || got["aac"] == 0 {
		t.Fatalf("the export has streams %v, want h264 and aac", got)
	}
	for codec, d := range got {
		if math.Abs(d-10) > 0.1 {
			t.Fatalf("the export's %s lasts %.3f s, want 10 s", codec, d)
		}
	}
	want, have := audioPackets(t, src), audioPackets(t, out)
	if len(have) < len(want)-2 || len(have) > len(want) {
		t.Fatalf("the export has %d audio frames, the recording %d", len(have), len(want))
	}
	// The source's first frames may come before the first video frame; the rest are the same bytes.
	joined := strings.Join(want, " ")
	if !strings.HasSuffix(joined, strings.Join(have, " ")) {
		t.Fatal("the export's audio frames are not the recording's (re-encoded or reordered)")
	}
}
