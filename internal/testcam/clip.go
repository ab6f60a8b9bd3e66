// Package testcam is a real RTSP camera for tests and benchmarks: a gortsplib server on loopback that
// streams a pre-encoded H.264 clip in a loop, with optional credentials and RTSP variants (variants.go:
// Basic or Digest only, RTSPS, UDP-only, SPS/PPS only in the SDP, jumping timestamps), and that can be stopped and
// restarted on the same port to simulate an outage.
package testcam

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// Clip describes the clip to encode. Source, when set, is a gst-launch description of the raw video
// source (for scenes with motion at known times); otherwise a videotestsrc pattern is used.
//
// The zero value of the shape fields is the original test camera: x264 tuned for zero latency, one slice,
// no B-frames. The other fields make it look like the cameras people have.
type Clip struct {
	Width, Height, FPS int
	KeyInt             int // frames between keyframes
	BitrateKbps        int
	Frames             int
	Source             string

	// Lookahead encodes without tune=zerolatency, as cameras do (x264's lookahead and frame-type decisions).
	Lookahead bool
	// BFrames is x264's bframes: pictures sent before the ones they are shown after (High profile).
	BFrames int
	// Slices is the number of slices per picture (x264 slices); 0 or 1 is one.
	Slices int
	// RepeatParams puts SPS and PPS before every IDR slice (H.265: VPS, SPS and PPS before every IRAP
	// slice segment), not only before the picture, as rtph264pay config-interval=-1 and several camera
	// makers do with sliced streams.
	RepeatParams bool
	// H265 encodes with x265enc instead of x264enc.
	H265 bool
}

// Stream is an encoded clip: access units in decode order, each a list of NAL units without start codes,
// with the presentation time of each.
type Stream struct {
	AUs [][][]byte
	// PTS is each AU's presentation time in 90 kHz units, counted from the clip's first presentation time.
	PTS  []int64
	H265 bool
}

// Options returns test camera options that send this stream at fps.
// encodeSeq tells apart the temp files of encodings running at once in one process.
var encodeSeq atomic.Int64

func (s *Stream) Options(fps int) Options {
	return Options{AUs: s.AUs, PTS: s.PTS, H265: s.H265, FPS: fps}
}

// Encode returns the clip's access units in decode order; see EncodeStream.
func Encode(cacheDir string, c Clip) ([][][]byte, error) {
	s, err := EncodeStream(cacheDir, c)
	if err != nil {
		return nil, err
	}
	return s.AUs, nil
}

// EncodeStream encodes the clip with GStreamer (x264enc, or x265enc) on first use, caching the result in
// cacheDir as MPEG-TS, and returns its access units with their presentation times.
func EncodeStream(cacheDir string, c Clip) (*Stream, error) {
	if c.FPS == 0 {
		c.FPS = 25
	}
	if c.KeyInt == 0 {
		c.KeyInt = c.FPS
	}
	if c.BitrateKbps == 0 {
		c.BitrateKbps = 1000
	}
	src := c.Source
	if src == "" {
		src = fmt.Sprintf("videotestsrc pattern=ball motion=sweep num-buffers=%d", c.Frames)
	}
	var enc string
	if c.H265 {
		params := fmt.Sprintf("keyint=%d:min-keyint=%d:scenecut=0:bframes=%d:aud=1:repeat-headers=1", c.KeyInt, c.KeyInt, c.BFrames)
		if c.Slices > 1 {
			params += fmt.Sprintf(":slices=%d", c.Slices)
		}
		tune := ""
		if !c.Lookahead {
			tune = "tune=zerolatency "
		}
		enc = fmt.Sprintf("x265enc %sspeed-preset=ultrafast bitrate=%d key-int-max=%d option-string=%s ! "+
			"video/x-h265,profile=main ! h265parse ! video/x-h265,stream-format=byte-stream,alignment=au",
			tune, c.BitrateKbps, c.KeyInt, params)
	} else {
		opts := "scenecut=0"
		if c.Slices > 1 {
			opts += fmt.Sprintf(":slices=%d", c.Slices)
		}
		tune := "tune=zerolatency "
		if c.Lookahead {
			tune = ""
		}
		bf := ""
		if c.BFrames > 0 {
			bf = fmt.Sprintf("bframes=%d b-adapt=false ", c.BFrames)
		}
		enc = fmt.Sprintf("x264enc key-int-max=%d bitrate=%d speed-preset=veryfast %s%saud=true option-string=%s ! "+
			"video/x-h264,profile=high ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au",
			c.KeyInt, c.BitrateKbps, tune, bf, opts)
	}
	desc := fmt.Sprintf("%s ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! videoconvert ! %s ! mpegtsmux",
		src, c.Width, c.Height, c.FPS, enc)
	sum := sha256.Sum256([]byte(desc))
	path := filepath.Join(cacheDir, "clip-"+hex.EncodeToString(sum[:8])+".ts")
	data, err := os.ReadFile(path)
	if err != nil {
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return nil, err
		}
		tmp := fmt.Sprintf("%s.%d-%d.tmp", path, os.Getpid(), encodeSeq.Add(1)) // parallel tests of one process encode the same clip too
		args := append([]string{"-q"}, strings.Fields(desc)...)
		args = append(args, "!", "filesink", "location="+tmp)
		if out, err := exec.Command("gst-launch-1.0", args...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("encode test clip with gst-launch-1.0: %w: %s", err, out)
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, err
		}
		if data, err = os.ReadFile(path); err != nil {
			return nil, err
		}
	}
	pes, err := readVideoPES(data, true)
	if err != nil {
		return nil, fmt.Errorf("test clip %s: %w", path, err)
	}
	s := &Stream{H265: c.H265}
	if len(pes) == 0 {
		return nil, fmt.Errorf("test clip %s has no access units", path)
	}
	// Count presentation times from the clip's first one, so that looping the clip leaves no gap: the
	// next loop's first picture is shown one frame after this loop's last.
	first := pes[0].PTS
	for _, p := range pes {
		first = min(first, p.PTS)
	}
	for _, p := range pes {
		var au [][]byte
		for _, n := range splitNALUs(p.Data) {
			if len(n) == 0 || isAUD(n, c.H265) {
				continue
			}
			au = append(au, n)
		}
		switch {
		case c.RepeatParams && c.H265:
			au = repeatParamsH265(au)
		case c.RepeatParams:
			au = repeatParams(au)
		}
		s.AUs = append(s.AUs, au)
		s.PTS = append(s.PTS, p.PTS-first)
	}
	return s, nil
}

func isAUD(n []byte, h265 bool) bool {
	if h265 {
		return (n[0]>>1)&0x3f == 35
	}
	return n[0]&0x1f == 9
}

// repeatParams puts the AU's SPS and PPS before each of its IDR slices (and nowhere else).
func repeatParams(au [][]byte) [][]byte {
	var params, out [][]byte
	for _, n := range au {
		if t := n[0] & 0x1f; t == 7 || t == 8 {
			params = append(params, n)
		}
	}
	if len(params) == 0 {
		return au
	}
	for _, n := range au {
		switch n[0] & 0x1f {
		case 7, 8:
			continue
		case 5:
			out = append(out, params...)
		}
		out = append(out, n)
	}
	return out
}

// repeatParamsH265 puts the AU's VPS, SPS and PPS (H.265 types 32–34) before each of its IRAP slice
// segments (types 16–21) and nowhere else.
func repeatParamsH265(au [][]byte) [][]byte {
	var params, out [][]byte
	for _, n := range au {
		if t := (n[0] >> 1) & 0x3f; t >= 32 && t <= 34 {
			params = append(params, n)
		}
	}
	if len(params) == 0 {
		return au
	}
	for _, n := range au {
		switch t := (n[0] >> 1) & 0x3f; {
		case t >= 32 && t <= 34:
			continue
		case t >= 16 && t <= 21:
			out = append(out, params...)
		}
		out = append(out, n)
	}
	return out
}

func splitNALUs(b []byte) [][]byte {
	var out [][]byte
	start := -1
	i := 0
	for i+3 <= len(b) {
		if b[i] == 0 && b[i+1] == 0 && (b[i+2] == 1 || (i+4 <= len(b) && b[i+2] == 0 && b[i+3] == 1)) {
			sc := 3
			if b[i+2] == 0 {
				sc = 4
			}
			if start >= 0 {
				out = append(out, bytes.TrimRight(b[start:i], "\x00"))
			}
			i += sc
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(b) {
		out = append(out, b[start:])
	}
	return out
}

// IsKeyframe reports whether an H.264 access unit holds an IDR slice.
func IsKeyframe(au [][]byte) bool {
	for _, n := range au {
		if len(n) > 0 && n[0]&0x1f == 5 {
			return true
		}
	}
	return false
}
