package segments

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// clipDir holds the GStreamer clips made for this test binary; TestMain removes it.
var (
	clipDir   string
	clipMu    sync.Mutex
	clipCache = map[string]string{}
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "segments-clips-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	clipDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// clipSpec describes a test stream made by x264enc and mpegtsmux like the worker's.
type clipSpec struct {
	frames   int
	width    int
	height   int
	gop      int    // key-int-max
	bframes  int    // 0: tune=zerolatency (no B-frames), as cameras usually stream
	pattern  string // videotestsrc pattern
	kbps     int    // 0: x264enc default
	fpsNumer int
	profile  string // "": x264enc's choice for the preset; "high": High profile, as most cameras stream
}

var (
	plainClip  = clipSpec{frames: 250, width: 640, height: 360, gop: 25, pattern: "ball", fpsNumer: 25}
	bframeClip = clipSpec{frames: 250, width: 640, height: 360, gop: 25, bframes: 2, pattern: "ball", fpsNumer: 25}
	benchClip  = clipSpec{frames: 250, width: 640, height: 360, gop: 25, pattern: "snow", kbps: 4000, fpsNumer: 25}
	highClip   = clipSpec{frames: 250, width: 640, height: 360, gop: 25, bframes: 2, pattern: "ball", fpsNumer: 25, profile: "high"}
)

// clipPath encodes spec once per test binary and returns the .ts file, or skips without GStreamer.
func clipPath(tb testing.TB, spec clipSpec) string {
	tb.Helper()
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		tb.Skip("gst-launch-1.0 is not installed (needed to make test streams); run scripts/setup")
	}
	key := fmt.Sprintf("%+v", spec)
	clipMu.Lock()
	defer clipMu.Unlock()
	if p, ok := clipCache[key]; ok {
		return p
	}
	out := filepath.Join(clipDir, fmt.Sprintf("clip%d.ts", len(clipCache)))
	opts := "scenecut=0"
	if spec.profile == "high" {
		opts += ":8x8dct=1" // a High-profile tool, else x264 makes a Main stream
	}
	enc := []string{"x264enc", fmt.Sprintf("key-int-max=%d", spec.gop), "option-string=" + opts, "speed-preset=ultrafast"}
	if spec.bframes > 0 {
		enc = append(enc, fmt.Sprintf("bframes=%d", spec.bframes))
	} else {
		enc = append(enc, "tune=zerolatency")
	}
	if spec.kbps > 0 {
		enc = append(enc, fmt.Sprintf("bitrate=%d", spec.kbps))
	}
	args := []string{"-q", "videotestsrc", fmt.Sprintf("num-buffers=%d", spec.frames), "pattern=" + spec.pattern, "!",
		fmt.Sprintf("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1", spec.width, spec.height, spec.fpsNumer), "!"}
	args = append(args, enc...)
	if spec.profile != "" {
		args = append(args, "!", "video/x-h264,profile="+spec.profile)
	}
	args = append(args, "!", "h264parse", "config-interval=-1", "!", "video/x-h264,stream-format=byte-stream,alignment=au",
		"!", "mpegtsmux", "!", "filesink", "location="+out)
	if b, err := exec.Command("gst-launch-1.0", args...).CombinedOutput(); err != nil {
		tb.Fatalf("gst-launch-1.0 %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	clipCache[key] = out
	return out
}

// clip returns the bytes of an encoded test stream.
func clip(tb testing.TB, spec clipSpec) []byte {
	tb.Helper()
	b, err := os.ReadFile(clipPath(tb, spec))
	if err != nil {
		tb.Fatal(err)
	}
	if len(b) == 0 || len(b)%mpegts.PacketSize != 0 {
		tb.Fatalf("GStreamer made %d bytes, not whole TS packets", len(b))
	}
	return b
}

// packets splits a stream into 188-byte packets.
func packets(b []byte) [][]byte {
	var out [][]byte
	for i := 0; i+mpegts.PacketSize <= len(b); i += mpegts.PacketSize {
		out = append(out, b[i:i+mpegts.PacketSize])
	}
	return out
}

// shiftTimestamps returns a copy of ts with every PTS, DTS and PCR moved by delta ticks (mod 2^33).
func shiftTimestamps(ts []byte, delta int64) []byte {
	out := append([]byte(nil), ts...)
	for _, p := range packets(out) {
		if p[3]&0x20 != 0 && p[4] >= 7 && p[5]&0x10 != 0 { // PCR
			base := int64(p[6])<<25 | int64(p[7])<<17 | int64(p[8])<<9 | int64(p[9])<<1 | int64(p[10])>>7
			base = (base + delta) & (ptsWrap - 1)
			p[6], p[7], p[8], p[9] = byte(base>>25), byte(base>>17), byte(base>>9), byte(base>>1)
			p[10] = p[10]&0x7f | byte(base&1)<<7
		}
		if !mpegts.PUSI(p) || mpegts.PID(p) == 0 {
			continue
		}
		pl := mpegts.Payload(p)
		h, ok := parsePESHeader(pl)
		if !ok || !h.hasPTS {
			continue
		}
		putTimestamp(pl[9:14], (h.pts+delta)&(ptsWrap-1))
		if pl[7]>>6 == 3 {
			putTimestamp(pl[14:19], (h.dts+delta)&(ptsWrap-1))
		}
	}
	return out
}

// putTimestamp writes a 33-bit PTS/DTS keeping the 4-bit prefix already in b[0].
func putTimestamp(b []byte, v int64) {
	b[0] = b[0]&0xf0 | byte(v>>29)&0x0e | 1
	b[1] = byte(v >> 22)
	b[2] = byte(v>>14)&0xfe | 1
	b[3] = byte(v >> 7)
	b[4] = byte(v<<1) | 1
}

// videoPTS lists the raw PTS of every video frame in ts, in stream order, and whether it is a keyframe.
func videoPTS(ts []byte) (pts []int64, key []bool) {
	var psi mpegts.PSI
	for _, p := range packets(ts) {
		if psi.Observe(p) || psi.VideoPID == 0 || mpegts.PID(p) != psi.VideoPID || !mpegts.PUSI(p) {
			continue
		}
		if h, ok := parsePESHeader(mpegts.Payload(p)); ok && h.hasPTS {
			pts = append(pts, h.pts)
			key = append(key, mpegts.RandomAccess(p))
		}
	}
	return pts, key
}
