package testcam

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// TestWhiteSecondClip: the glass-to-glass clip is one second of 25 pictures, the first a white keyframe
// and the other 24 black (decoded with GStreamer to 4×4 grey pictures).
func TestWhiteSecondClip(t *testing.T) {
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		testskip.Skip(t, "gst-launch-1.0 is not installed", "run make setup")
	}
	aus, err := Encode(t.TempDir(), WhiteSecond(640, 360))
	if err != nil {
		t.Fatal(err)
	}
	if len(aus) != 25 {
		t.Fatalf("the clip has %d pictures, want 25", len(aus))
	}
	var es bytes.Buffer
	for _, au := range aus {
		for _, n := range au {
			es.Write([]byte{0, 0, 0, 1})
			es.Write(n)
		}
	}
	in := filepath.Join(t.TempDir(), "clip.h264")
	if err := os.WriteFile(in, es.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("gst-launch-1.0", "-q", "filesrc", "location="+in, "!", "h264parse", "!", "avdec_h264", "!",
		"videoconvert", "!", "videoscale", "!", "video/x-raw,format=GRAY8,width=4,height=4", "!", "fdsink").Output()
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(out) != 25*16 {
		t.Fatalf("decoded %d bytes, want 25 pictures of 16", len(out))
	}
	for i := 0; i < 25; i++ {
		mean := 0
		for _, v := range out[i*16 : i*16+16] {
			mean += int(v)
		}
		mean /= 16
		if white := mean > 200; white != (i == 0) || (i > 0 && mean > 40) {
			t.Fatalf("picture %d has mean grey %d: want only picture 0 white, the rest black", i, mean)
		}
	}
}

// TestWallClockNeedsWholeSeconds: a clip that is not whole seconds cannot be paced by the wall clock.
func TestWallClockNeedsWholeSeconds(t *testing.T) {
	if _, err := Start(Options{AUs: make([][][]byte, 10), FPS: 25, WallClock: true}); err == nil {
		t.Fatal("a 10-picture clip at 25 fps started as a wall-clock camera")
	}
}
