package detect

import (
	"image"
	"testing"
)

// TestDecodeSize: the smallest picture a frame may be reduced to is its size inside the
// letterboxed model input, and DetectScaled refuses what is not a reduction.
func TestDecodeSize(t *testing.T) {
	d := &Detector{model: modelInfo{inW: 416, inH: 416}}
	for _, c := range []struct{ w, h, wantW, wantH int }{
		{1920, 1080, 416, 234},
		{1280, 720, 416, 234},
		{640, 480, 416, 312},
		{1080, 1920, 234, 416},
		{200, 100, 416, 208}, // smaller than the input: scaled up, so the whole frame is needed
	} {
		if w, h := d.DecodeSize(c.w, c.h); w != c.wantW || h != c.wantH {
			t.Errorf("DecodeSize(%d, %d) = %d×%d, want %d×%d", c.w, c.h, w, h, c.wantW, c.wantH)
		}
	}
	img := image.NewGray(image.Rect(0, 0, 10, 10))
	for _, c := range []struct{ scale, w, h int }{{0, 10, 10}, {1, 0, 10}, {2, 10, -1}} {
		if _, err := d.DetectScaled(img, c.scale, c.w, c.h); err == nil {
			t.Errorf("DetectScaled at scale %d of %d×%d: no error", c.scale, c.w, c.h)
		}
	}
	if _, err := d.DetectScaled(nil, 1, 10, 10); err == nil {
		t.Error("DetectScaled(nil): no error")
	}
}
