// Package testcam is a real RTSP camera for tests and benchmarks: a gortsplib server on loopback that
// streams a pre-encoded H.264 clip in a loop, with optional credentials, and that can be stopped and
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
)

// Clip describes the H.264 clip to encode. Source, when set, is a gst-launch description of the raw
// video source (for scenes with motion at known times); otherwise a videotestsrc pattern is used.
type Clip struct {
	Width, Height, FPS int
	KeyInt             int // frames between keyframes
	BitrateKbps        int
	Frames             int
	Source             string
}

// Encode returns the clip as access units (each a list of NAL units without start codes), encoding it
// with GStreamer's x264enc on first use and caching the bytes in cacheDir.
func Encode(cacheDir string, c Clip) ([][][]byte, error) {
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
	desc := fmt.Sprintf("%s ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! videoconvert ! "+
		"x264enc key-int-max=%d bitrate=%d speed-preset=veryfast tune=zerolatency aud=true option-string=scenecut=0 ! "+
		"video/x-h264,profile=high ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au",
		src, c.Width, c.Height, c.FPS, c.KeyInt, c.BitrateKbps)
	sum := sha256.Sum256([]byte(desc))
	path := filepath.Join(cacheDir, "clip-"+hex.EncodeToString(sum[:8])+".h264")
	data, err := os.ReadFile(path)
	if err != nil {
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return nil, err
		}
		tmp := path + ".tmp"
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
	aus := splitAccessUnits(data)
	if len(aus) == 0 {
		return nil, fmt.Errorf("test clip %s has no access units", path)
	}
	return aus, nil
}

// splitAccessUnits splits an Annex-B byte stream into access units at access unit delimiters (NAL 9).
func splitAccessUnits(b []byte) [][][]byte {
	var aus [][][]byte
	var cur [][]byte
	for _, nalu := range splitNALUs(b) {
		if len(nalu) == 0 {
			continue
		}
		if nalu[0]&0x1f == 9 {
			if len(cur) > 0 {
				aus = append(aus, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, nalu)
	}
	if len(cur) > 0 {
		aus = append(aus, cur)
	}
	return aus
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

// IsKeyframe reports whether an access unit holds an IDR slice.
func IsKeyframe(au [][]byte) bool {
	for _, n := range au {
		if len(n) > 0 && n[0]&0x1f == 5 {
			return true
		}
	}
	return false
}
