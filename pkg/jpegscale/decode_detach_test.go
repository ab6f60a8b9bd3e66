package jpegscale

import (
	"bytes"
	"image"
	"testing"
)

// TestDetachKeepsTheFrame: a detached frame keeps its pixels when the same Decoder decodes
// another JPEG (without Detach the second decode writes into the first one's buffers).
func TestDetachKeepsTheFrame(t *testing.T) {
	for _, lumaOnly := range []bool{false, true} {
		d := Decoder{LumaOnly: lumaOnly}
		a, err := d.Decode(goJPEG(t, 640, 480, false, 90), 160, 0)
		if err != nil {
			t.Fatal(err)
		}
		a = d.Detach(a)
		before := pixels(a.Image)
		if _, err := d.Decode(goJPEG(t, 640, 480, true, 50), 160, 0); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, pixels(a.Image)) {
			t.Errorf("LumaOnly %v: the detached frame changed when the decoder decoded the next JPEG", lumaOnly)
		}
	}
}

// pixels copies an image's luma (and chroma) samples.
func pixels(img image.Image) []byte {
	switch m := img.(type) {
	case *image.Gray:
		return bytes.Clone(m.Pix)
	case *image.YCbCr:
		return append(append(bytes.Clone(m.Y), m.Cb...), m.Cr...)
	}
	return nil
}
