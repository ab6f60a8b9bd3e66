package motion

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand"
	"testing"
)

// scene draws a deterministic textured grey-level background: gradients,
// a sinusoidal texture, and blocky "furniture", at any resolution (the
// same scene at different sizes looks the same).
func scene(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		fy := float64(y) / float64(h)
		for x := 0; x < w; x++ {
			fx := float64(x) / float64(w)
			v := 70 + 80*fy + 25*math.Sin(fx*40)*math.Cos(fy*27) + 12*math.Sin((fx*fx+fy*fy)*300)
			if (int(fx*20)+int(fy*11))%3 == 0 {
				v += 35
			}
			img.Pix[y*img.Stride+x] = clamp8(v)
		}
	}
	return img
}

func clamp8(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}

// addNoise adds Gaussian noise of standard deviation sigma to every pixel.
func addNoise(img *image.Gray, sigma float64, rng *rand.Rand) {
	for i, p := range img.Pix {
		img.Pix[i] = clamp8(float64(p) + rng.NormFloat64()*sigma)
	}
}

// drawRect fills the rectangle given in image fractions with the grey
// level v.
func drawRect(img *image.Gray, x0, y0, x1, y1 float64, v uint8) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	for y := int(y0 * h); y < int(y1*h); y++ {
		for x := int(x0 * w); x < int(x1*w); x++ {
			img.Pix[y*img.Stride+x] = v
		}
	}
}

// cloneGray returns a copy of img.
func cloneGray(img *image.Gray) *image.Gray {
	c := *img
	c.Pix = append([]byte(nil), img.Pix...)
	return &c
}

// colorize turns a grey scene into a 4:2:0 YCbCr image with some colour,
// so that the chroma channels carry data like a real camera frame's.
func colorize(g *image.Gray) *image.YCbCr {
	b := g.Bounds()
	img := image.NewYCbCr(b, image.YCbCrSubsampleRatio420)
	for y := 0; y < b.Dy(); y++ {
		copy(img.Y[y*img.YStride:y*img.YStride+b.Dx()], g.Pix[y*g.Stride:])
	}
	for y := 0; y < (b.Dy()+1)/2; y++ {
		for x := 0; x < (b.Dx()+1)/2; x++ {
			v := float64(g.Pix[2*y*g.Stride+2*x])
			img.Cb[y*img.CStride+x] = clamp8(128 + 0.3*(v-128) + 10*math.Sin(float64(x)/17))
			img.Cr[y*img.CStride+x] = clamp8(128 - 0.2*(v-128) + 10*math.Cos(float64(y)/13))
		}
	}
	return img
}

// encodeJPEG encodes img with image/jpeg at the given quality.
func encodeJPEG(tb testing.TB, img image.Image, quality int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
