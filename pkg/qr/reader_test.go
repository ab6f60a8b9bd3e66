package qr

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// codeImage renders text as a QR code with 4 px modules and the standard
// 4-module white quiet zone.
func codeImage(t testing.TB, text string) *image.Gray {
	t.Helper()
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	const px = 4
	w, h := m.GetWidth(), m.GetHeight()
	img := image.NewGray(image.Rect(0, 0, w*px, h*px))
	for y := 0; y < h*px; y++ {
		for x := 0; x < w*px; x++ {
			if !m.Get(x/px, y/px) {
				img.Pix[y*img.Stride+x] = 255
			}
		}
	}
	return img
}

// background returns a w×h textured grey scene with Gaussian noise.
func background(w, h int, rng *rand.Rand) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := 80 + 70*fy + 30*math.Sin(fx*37)*math.Cos(fy*23) + 15*math.Sin((fx*fx+fy*fy)*250)
			if (int(fx*17)+int(fy*9))%3 == 0 {
				v += 40
			}
			img.Pix[y*img.Stride+x] = clamp(v + rng.NormFloat64()*4)
		}
	}
	return img
}

func clamp(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

// paste draws src onto dst with its centre at (cx, cy), rotated by deg
// degrees and scaled by scale, sampling src bilinearly at the inverse-mapped
// position of every destination pixel centre.
func paste(dst, src *image.Gray, cx, cy, deg, scale float64) {
	sw, sh := float64(src.Rect.Dx()), float64(src.Rect.Dy())
	sin, cos := math.Sincos(deg * math.Pi / 180)
	r := math.Hypot(sw, sh) * scale / 2 // bounding radius in dst
	x0, x1 := max(0, int(cx-r)), min(dst.Rect.Dx(), int(cx+r)+1)
	y0, y1 := max(0, int(cy-r)), min(dst.Rect.Dy(), int(cy+r)+1)
	at := func(x, y int) float64 {
		x = min(max(x, 0), src.Rect.Dx()-1)
		y = min(max(y, 0), src.Rect.Dy()-1)
		return float64(src.Pix[y*src.Stride+x])
	}
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			// Destination offset from the centre, rotated back and
			// unscaled: the source position of this pixel's centre.
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			u := (cos*dx+sin*dy)/scale + sw/2
			v := (-sin*dx+cos*dy)/scale + sh/2
			if u < 0 || v < 0 || u >= sw || v >= sh {
				continue
			}
			// Bilinear sample around (u-0.5, v-0.5).
			fu, fv := u-0.5, v-0.5
			iu, iv := int(math.Floor(fu)), int(math.Floor(fv))
			au, av := fu-float64(iu), fv-float64(iv)
			val := (1-au)*(1-av)*at(iu, iv) + au*(1-av)*at(iu+1, iv) +
				(1-au)*av*at(iu, iv+1) + au*av*at(iu+1, iv+1)
			dst.Pix[y*dst.Stride+x] = clamp(val)
		}
	}
}

// addNoise adds Gaussian noise of standard deviation sigma.
func addNoise(img *image.Gray, sigma float64, rng *rand.Rand) {
	for i, p := range img.Pix {
		img.Pix[i] = clamp(float64(p) + rng.NormFloat64()*sigma)
	}
}

// frameWithCodes returns a w×h noisy frame with the given codes pasted in.
func frameWithCodes(t testing.TB, w, h int, seed int64, codes ...pasted) *image.Gray {
	rng := rand.New(rand.NewSource(seed))
	f := background(w, h, rng)
	for _, c := range codes {
		img := codeImage(t, c.text)
		scale := c.size / float64(img.Rect.Dx())
		paste(f, img, c.cx*float64(w), c.cy*float64(h), c.deg, scale)
	}
	addNoise(f, 3, rng)
	return f
}

// pasted describes a code in a test frame: its text, centre (fractions of
// the frame), rotation in degrees and width in pixels.
type pasted struct {
	text        string
	cx, cy, deg float64
	size        float64
}

const pairing = "nvr:pair?camera=front-door&token=3f9c2a7be1d04c55"

func TestReadRotatedScaledCode(t *testing.T) {
	cases := []struct {
		name string
		code pasted
	}{
		{"15deg_260px", pasted{pairing, 0.35, 0.55, 15, 260}},
		{"-12deg_200px", pasted{pairing, 0.7, 0.3, -12, 200}},
		{"18deg_120px", pasted{pairing, 0.2, 0.7, 18, 120}},
		{"20deg_400px", pasted{"https://example.org/x", 0.5, 0.5, 20, 400}},
	}
	r := NewReader()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := r.Read(frameWithCodes(t, 1920, 1080, 1, c.code))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, []string{c.code.text}) {
				t.Errorf("got %q, want [%q]", got, c.code.text)
			}
		})
	}
}

// TestReadLargeNoisyCode needs the second, half-resolution pass: in heavy
// noise the binariser speckles the large modules of a code that fills half
// the frame's height.
func TestReadLargeNoisyCode(t *testing.T) {
	f := frameWithCodes(t, 1920, 1080, 6, pasted{pairing, 0.5, 0.5, 12, 600})
	addNoise(f, 25, rand.New(rand.NewSource(6)))
	r := NewReader()
	if first, _ := r.scan(r.luma(f)); len(first) != 0 {
		t.Log("the full-resolution pass alone read the code; this test no longer covers the second pass")
	}
	got, err := r.Read(f)
	if err != nil || !slices.Equal(got, []string{pairing}) {
		t.Errorf("got %q, %v; want [%q]", got, err, pairing)
	}
}

func TestReadNoCode(t *testing.T) {
	r := NewReader()
	got, err := r.Read(frameWithCodes(t, 1920, 1080, 2))
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("frame without a code: got %q, %v; want an empty slice and no error", got, err)
	}
	if _, err := r.Read(image.NewGray(image.Rect(0, 0, 0, 0))); err == nil {
		t.Error("empty frame: want an error")
	}
}

func TestReadTwoCodes(t *testing.T) {
	r := NewReader()
	got, err := r.Read(frameWithCodes(t, 1920, 1080, 3,
		pasted{"first code", 0.25, 0.4, 10, 240},
		pasted{"second code", 0.75, 0.6, -15, 240}))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"first code", "second code"}) {
		t.Errorf("got %q, want both codes", got)
	}
}

// TestReadImageTypes reads the same code from a decoded JPEG (YCbCr), an
// RGBA image and a 4K frame (read after halving).
func TestReadImageTypes(t *testing.T) {
	code := pasted{pairing, 0.4, 0.5, 14, 260}
	gray := frameWithCodes(t, 1920, 1080, 4, code)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, gray, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	// image/jpeg decodes a grey JPEG to *image.Gray; re-encode as
	// colour to get the YCbCr a camera keyframe decodes to.
	rgba := image.NewRGBA(gray.Rect)
	for i, v := range gray.Pix {
		rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+2], rgba.Pix[4*i+3] = v, v, v, 255
	}
	buf.Reset()
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	ycc, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ycc.(*image.YCbCr); !ok {
		t.Fatalf("decoded JPEG is %T, want *image.YCbCr", ycc)
	}
	frames := map[string]image.Image{
		"ycbcr": ycc,
		"rgba":  rgba,
		"4k":    frameWithCodes(t, 3840, 2160, 5, pasted{pairing, 0.6, 0.4, -16, 400}),
	}
	r := NewReader()
	for name, f := range frames {
		got, err := r.Read(f)
		if err != nil || !slices.Equal(got, []string{pairing}) {
			t.Errorf("%s: got %q, %v; want [%q]", name, got, err, pairing)
		}
	}
}

func benchmarkRead(b *testing.B, f *image.Gray, want int) {
	r := NewReader()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := r.Read(f)
		if err != nil || len(got) != want {
			b.Fatalf("got %q, %v; want %d codes", got, err, want)
		}
	}
}

// BenchmarkRead1080p reads a 1080p frame holding one rotated code.
func BenchmarkRead1080p(b *testing.B) {
	benchmarkRead(b, frameWithCodes(b, 1920, 1080, 1, pasted{pairing, 0.35, 0.55, 15, 260}), 1)
}

// BenchmarkRead1080pNoCode reads a 1080p frame without a code, the common
// case, which runs both passes.
func BenchmarkRead1080pNoCode(b *testing.B) {
	benchmarkRead(b, frameWithCodes(b, 1920, 1080, 2), 0)
}
