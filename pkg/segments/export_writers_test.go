package segments

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// boxWriters are the box writers the export can use; tests and BenchmarkExportMP4Writers check each.
// The first is the reference the others are compared with.
var boxWriters = []struct {
	name string
	new  func() boxWriter
}{
	{"export", func() boxWriter { return exportBoxes{} }},
	{"mediacommon-part", func() boxWriter { return &partBoxes{} }},
}

// packetList returns ffprobe's list of a file's video packets: timestamps, duration, size and flags.
func packetList(t *testing.T, path string) string {
	t.Helper()
	needTool(t, "ffprobe")
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
		"packet=pts,dts,duration,size,flags", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe packets of %s: %v", path, err)
	}
	return string(out)
}

// TestBoxWritersAgree exports clips with B-frames (Main and High profile) with every box writer: each file lasts 10 s with
// 250 frames, and ffprobe sees the same packets (timestamps, sizes, keyframe flags) and ffmpeg decodes
// the same pictures in all of them.
func TestBoxWritersAgree(t *testing.T) {
	for _, spec := range []clipSpec{bframeClip, highClip} {
		ts := clip(t, spec)
		segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(3, 3)), realTime(len(ts)/188, 10*time.Second))
		dir := t.TempDir()
		paths := writeSegments(t, dir, segs)
		profile := ffprobe(t, clipPath(t, spec)).Streams[0].Profile
		if spec.profile == "high" && profile != "High" {
			t.Fatalf("the High-profile test clip is %s", profile)
		}
		var refPackets, refFrames string
		for i, bw := range boxWriters {
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
				t.Fatalf("%s: %v", bw.name, err)
			}
			r := ffprobe(t, out)
			if d := seconds(t, r.Format.Duration); math.Abs(d-10) > 0.04 || r.Streams[0].NbReadFrames != "250" || r.Streams[0].Profile != profile {
				t.Fatalf("%s: the export lasts %.3f s with %s frames (%s), want 10 s with 250 (%s)", bw.name, d, r.Streams[0].NbReadFrames, r.Streams[0].Profile, profile)
			}
			packets, frames := packetList(t, out), strings.Join(decodedFrames(t, out), " ")
			if i == 0 {
				refPackets, refFrames = packets, frames
				continue
			}
			if packets != refPackets {
				t.Errorf("%s, %s: ffprobe sees other packets than in the %s export:\n%s\nvs\n%s", profile, bw.name, boxWriters[0].name, firstLines(packets, 8), firstLines(refPackets, 8))
			}
			if frames != refFrames {
				t.Errorf("%s, %s: ffmpeg decodes other pictures than from the %s export", profile, bw.name, boxWriters[0].name)
			}
		}
	}
}

func firstLines(s string, n int) string {
	l := strings.SplitN(s, "\n", n+1)
	return strings.Join(l[:min(n, len(l))], "\n")
}
