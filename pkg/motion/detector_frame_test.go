package motion

import (
	"math/rand"
	"testing"

	"github.com/nvrproject/nvr/pkg/jpegscale"
)

// TestProcessFrameMatchesProcessJPEG: a keyframe the caller decodes at the scale
// DecodeWidth asks for, luma-only or in colour, scores exactly as ProcessJPEG scores it,
// for a size whose reduction does not divide evenly too.
func TestProcessFrameMatchesProcessJPEG(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, size := range [][2]int{{1280, 720}, {643, 365}} {
		w, h := size[0], size[1]
		var frames [][]byte
		for i := range 4 {
			img := scene(w, h)
			drawRect(img, 0.1+0.15*float64(i), 0.3, 0.25+0.15*float64(i), 0.7, 20)
			addNoise(img, 3, rng)
			frames = append(frames, encodeJPEG(t, colorize(img), 85))
		}
		for _, lumaOnly := range []bool{true, false} {
			byJPEG, _ := New(Config{})
			byFrame, _ := New(Config{})
			dec := jpegscale.Decoder{LumaOnly: lumaOnly}
			for i, jpg := range frames {
				want, err := byJPEG.ProcessJPEG(jpg)
				if err != nil {
					t.Fatal(err)
				}
				f, err := dec.Decode(jpg, byFrame.DecodeWidth(), 0)
				if err != nil {
					t.Fatal(err)
				}
				got, err := byFrame.ProcessFrame(f.Image, f.Width, f.Height)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("%dx%d luma-only %v frame %d: ProcessFrame %+v, ProcessJPEG %+v", w, h, lumaOnly, i, got, want)
				}
				if i > 0 && !want.Motion {
					t.Errorf("%dx%d frame %d: no motion (%+v): the test shows nothing", w, h, i, want)
				}
			}
		}
	}
	d, _ := New(Config{})
	if _, err := d.ProcessFrame(nil, 0, 0); err == nil {
		t.Error("no error for a nil frame")
	}
}
