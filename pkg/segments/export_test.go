package segments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// writeSegments stores segments as files and returns their paths in order.
func writeSegments(t testing.TB, dir string, segs []Segment) []string {
	t.Helper()
	var paths []string
	for i, seg := range segs {
		name := fmt.Sprintf("%04d.ts", i)
		if err := WriteFileDurable(dir, name, seg.Data); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, filepath.Join(dir, name))
	}
	return paths
}

// probeResult is what ffprobe says about a file's video stream.
type probeResult struct {
	Streams []struct {
		CodecName    string `json:"codec_name"`
		Profile      string `json:"profile"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		NbReadFrames string `json:"nb_read_frames"`
	} `json:"streams"`
	Format struct {
		Duration   string `json:"duration"`
		StartTime  string `json:"start_time"`
		FormatName string `json:"format_name"`
	} `json:"format"`
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		testskip.Skip(t, name+" is not installed; it is needed to check that the export plays", "run make setup")
	}
}

func ffprobe(t *testing.T, path string) probeResult {
	t.Helper()
	needTool(t, "ffprobe")
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v",
		"-show_entries", "stream=codec_name,profile,width,height,nb_read_frames:format=duration,start_time,format_name",
		"-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r probeResult
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) != 1 {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	return r
}

func seconds(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number of seconds: %q", s)
	}
	return f
}

// decodedFrames decodes a file with ffmpeg and returns the MD5 of every picture, in presentation order.
func decodedFrames(t *testing.T, path string) []string {
	t.Helper()
	needTool(t, "ffmpeg")
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode of %s: %v", path, err)
	}
	var sums []string
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Split(l, ","); len(f) == 6 && !strings.HasPrefix(l, "#") {
			sums = append(sums, strings.TrimSpace(f[5]))
		}
	}
	return sums
}

func TestExportMP4PlaysLikeTheSource(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec clipSpec
	}{{"no B-frames", plainClip}, {"B-frames", bframeClip}, {"High profile", highClip}} {
		t.Run(tc.name, func(t *testing.T) {
			src := clipPath(t, tc.spec)
			ts := clip(t, tc.spec)
			segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(8, 8)), realTime(len(ts)/188, 10*time.Second))
			dir := t.TempDir()
			paths := writeSegments(t, dir, segs)
			out := filepath.Join(dir, "export.mp4")
			f, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			var calls []string
			err = ExportMP4(f, paths, func(done, total int) { calls = append(calls, fmt.Sprintf("%d/%d", done, total)) })
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(calls, " "); got != "0/5 1/5 2/5 3/5 4/5 5/5" {
				t.Fatalf("progress calls: %s", got)
			}

			want, got := ffprobe(t, src), ffprobe(t, out)
			ws, gs := want.Streams[0], got.Streams[0]
			if gs.CodecName != "h264" || gs.Profile != ws.Profile || gs.Width != ws.Width || gs.Height != ws.Height {
				t.Fatalf("export is %s %s %dx%d, source is h264 %s %dx%d", gs.CodecName, gs.Profile, gs.Width, gs.Height, ws.Profile, ws.Width, ws.Height)
			}
			if !strings.Contains(got.Format.FormatName, "mp4") || gs.NbReadFrames != "250" {
				t.Fatalf("export: format %s, %s frames; want mp4 with 250", got.Format.FormatName, gs.NbReadFrames)
			}
			if d := seconds(t, got.Format.Duration); math.Abs(d-10) > 0.04 {
				t.Fatalf("export lasts %.3f s, want 10 s ± 1 frame", d)
			}
			// The first frame is presented at 0. With B-frames ffprobe shows the largest negative
			// composition offset (one frame) as start time, as for ffmpeg's own negative_cts_offsets.
			if s := seconds(t, got.Format.StartTime); s < 0 || s > 0.041 {
				t.Fatalf("export starts at %.3f s, want 0 (at most one frame with B-frames)", s)
			}
			// No re-encoding, nothing lost or reordered: every decoded picture is identical.
			if a, b := decodedFrames(t, src), decodedFrames(t, out); strings.Join(a, " ") != strings.Join(b, " ") || len(a) != 250 {
				t.Fatalf("decoded pictures differ from the source (%d vs %d frames)", len(b), len(a))
			}
			// A second, independent demuxer (GStreamer's qtdemux) decodes it too.
			if _, err := exec.LookPath("gst-launch-1.0"); err == nil {
				cmd := exec.Command("gst-launch-1.0", "-q", "filesrc", "location="+out, "!", "qtdemux", "!", "h264parse", "!", "avdec_h264", "!", "fakesink")
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("GStreamer cannot play the export: %v\n%s", err, b)
				}
			}
		})
	}
}

// dtsList returns the decode timestamps (seconds) of the video packets of a file, by ffprobe.
func dtsList(t *testing.T, path string) []float64 {
	t.Helper()
	needTool(t, "ffprobe")
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=dts_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe packets of %s: %v", path, err)
	}
	var dts []float64
	for _, l := range strings.Fields(string(out)) {
		dts = append(dts, seconds(t, strings.TrimSuffix(l, ",")))
	}
	return dts
}

func TestExportMP4JoinsRecordingsAndWraps(t *testing.T) {
	ts := clip(t, bframeClip)
	pts, _ := videoPTS(ts)
	var segs []Segment
	// Three recordings: the clip, the clip an hour later, and the clip across the 33-bit wrap.
	for i, shift := range []int64{0, 3600 * ticksPerSecond, ptsWrap - 5*ticksPerSecond - pts[0]} {
		in := shiftTimestamps(ts, shift)
		segs = append(segs, feed(NewSegmenter(0), in, rand.New(rand.NewPCG(uint64(i), 0)), realTime(len(in)/188, 10*time.Second))...)
	}
	dir := t.TempDir()
	paths := writeSegments(t, dir, segs)
	out := filepath.Join(dir, "joined.mp4")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := ExportMP4(f, paths, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := ffprobe(t, out)
	if d := seconds(t, r.Format.Duration); math.Abs(d-30) > 0.04 || r.Streams[0].NbReadFrames != "750" {
		t.Fatalf("three 10 s recordings export as %.3f s with %s frames, want 30 s and 750", d, r.Streams[0].NbReadFrames)
	}
	dts := dtsList(t, out)
	for i := 1; i < len(dts); i++ {
		if step := dts[i] - dts[i-1]; math.Abs(step-0.04) > 1e-6 {
			t.Fatalf("decode time steps by %.3f s at frame %d, want one frame (0.040)", step, i)
		}
	}
}

// countingWriter counts bytes written.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(b []byte) (int, error) { c.n += int64(len(b)); return len(b), nil }

func TestExportMP4Streams(t *testing.T) {
	ts := clip(t, benchClip)
	segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(1, 1)), realTime(len(ts)/188, 10*time.Second))
	paths := writeSegments(t, t.TempDir(), segs)
	var w countingWriter
	var read int64
	err := ExportMP4(&w, paths, func(done, total int) {
		// After segment k, everything up to its last GOP is out (less a 256 KiB write buffer).
		if done >= 2 && w.n < read/2 {
			t.Errorf("after %d of %d segments only %d bytes were written for %d read: the export is buffered", done, total, w.n, read)
		}
		if done < total {
			read += int64(len(segs[done].Data))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.n < int64(len(ts))*8/10 {
		t.Fatalf("export is %d bytes for %d bytes of TS", w.n, len(ts))
	}
}

type failAfter struct{ n int }

func (f *failAfter) Write(b []byte) (int, error) {
	if f.n -= len(b); f.n < 0 {
		return 0, errors.New("client went away")
	}
	return len(b), nil
}

func TestExportMP4Errors(t *testing.T) {
	ts := clip(t, plainClip)
	segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(1, 1)), realTime(len(ts)/188, 10*time.Second))
	dir := t.TempDir()
	paths := writeSegments(t, dir, segs)

	if err := ExportMP4(io.Discard, nil, nil); err == nil || !strings.Contains(err.Error(), "nothing to export") {
		t.Fatalf("export of nothing: %v", err)
	}
	missing := filepath.Join(dir, "gone.ts")
	err := ExportMP4(io.Discard, []string{paths[0], missing}, nil)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "segment 2 of 2") || !strings.Contains(err.Error(), missing) {
		t.Fatalf("export with a missing file: %v", err)
	}
	if err := ExportMP4(&failAfter{n: 10 << 10}, paths, nil); err == nil || !strings.Contains(err.Error(), "client went away") {
		t.Fatalf("write error: %v", err)
	}
	// A segment without a keyframe (only the start of the stream's PSI) exports nothing.
	noKey := filepath.Join(dir, "psi.ts")
	if err := os.WriteFile(noKey, ts[:2*188], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ExportMP4(io.Discard, []string{noKey}, nil); err == nil || !strings.Contains(err.Error(), "no H.264 or H.265 keyframe") {
		t.Fatalf("export without a keyframe: %v", err)
	}
	// Garbage in the middle of a file is skipped (resync), the export still plays to the end.
	var buf bytes.Buffer
	damaged := filepath.Join(dir, "damaged.ts")
	mid := len(segs[1].Data) / 2 / 188 * 188
	if err := os.WriteFile(damaged, append(append(append([]byte(nil), segs[1].Data[:mid]...), 1, 2, 3), segs[1].Data[mid:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ExportMP4(&buf, []string{paths[0], damaged, paths[2]}, nil); err != nil {
		t.Fatalf("export with a damaged segment: %v", err)
	}
	out := filepath.Join(dir, "damaged.mp4")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if d := seconds(t, ffprobe(t, out).Format.Duration); math.Abs(d-6) > 0.04 {
		t.Fatalf("export with a damaged segment lasts %.3f s, want 6 s", d)
	}
}

func TestPlaylistOfSegmentsPlays(t *testing.T) {
	ts := clip(t, plainClip)
	segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(2, 2)), realTime(len(ts)/188, 10*time.Second))
	dir := t.TempDir()
	paths := writeSegments(t, dir, segs)
	var items []PlaylistItem
	for i, seg := range segs {
		items = append(items, PlaylistItem{URI: filepath.Base(paths[i]), Start: seg.Start, Duration: seg.Duration, Discontinuity: seg.Discontinuity})
	}
	var buf bytes.Buffer
	if err := WritePlaylist(&buf, items); err != nil {
		t.Fatal(err)
	}
	pl := filepath.Join(dir, "index.m3u8")
	if err := os.WriteFile(pl, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	target, parsed := parsePlaylist(t, buf.String())
	if target != 2 || len(parsed) != 5 {
		t.Fatalf("playlist of five 2 s segments: target %d, %d items", target, len(parsed))
	}
	r := ffprobe(t, pl)
	if d := seconds(t, r.Format.Duration); math.Abs(d-10) > 0.04 || r.Streams[0].NbReadFrames != "250" {
		t.Fatalf("the HLS playlist plays %.3f s with %s frames, want 10 s and 250", d, r.Streams[0].NbReadFrames)
	}
}
