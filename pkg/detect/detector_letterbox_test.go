package detect

import (
	"image"
	"image/color"
	"math"
	"math/rand"
	"testing"
)

func TestLetterboxGeometry(t *testing.T) {
	cases := []struct {
		name         string
		srcW, srcH   int
		inW, inH     int
		wantW, wantH int
		wantScale    float64
	}{
		{"landscape 1080p", 1920, 1080, 416, 416, 416, 234, 416.0 / 1920},
		{"portrait 1080p", 1080, 1920, 416, 416, 234, 416, 416.0 / 1920},
		{"4:3", 640, 480, 416, 416, 416, 312, 0.65},
		{"square", 512, 512, 416, 416, 416, 416, 416.0 / 512},
		{"small, scaled up", 100, 50, 416, 416, 416, 208, 4.16},
		{"non-square input", 1920, 1080, 640, 384, 640, 360, 1.0 / 3},
		{"tall into wide input", 300, 900, 640, 384, 128, 384, 384.0 / 900},
		{"one pixel", 1, 1, 416, 416, 416, 416, 416},
		{"thin strip", 5000, 2, 416, 416, 416, 1, 416.0 / 5000},
	}
	for _, c := range cases {
		lb := newLetterbox(c.srcW, c.srcH, c.inW, c.inH)
		if lb.w != c.wantW || lb.h != c.wantH || math.Abs(lb.scale-c.wantScale) > 1e-9 {
			t.Errorf("%s: %dx%d into %dx%d gives %dx%d at scale %v, want %dx%d at %v",
				c.name, c.srcW, c.srcH, c.inW, c.inH, lb.w, lb.h, lb.scale, c.wantW, c.wantH, c.wantScale)
		}
	}
}

func TestLetterboxToSource(t *testing.T) {
	// Portrait 1080x1920 into 416: scale 416/1920, so input pixels are 1920/416 source pixels.
	lb := newLetterbox(1080, 1920, 416, 416)
	k := 1920.0 / 416
	got := lb.toSource([4]float64{10, 20, 100, 200})
	want := [4]float64{10 * k, 20 * k, 100 * k, 200 * k}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Fatalf("toSource = %v, want %v", got, want)
		}
	}
	// A box reaching into the padding on the right and off the top is clamped to the image.
	got = lb.toSource([4]float64{-5, -3, 300, 416})
	if got != [4]float64{0, 0, 1080, 1920} {
		t.Errorf("clamped toSource = %v, want [0 0 1080 1920]", got)
	}
	// Landscape 640x480 (scale 0.65).
	lb = newLetterbox(640, 480, 416, 416)
	got = lb.toSource([4]float64{65, 130, 260, 312})
	want = [4]float64{100, 200, 400, 480}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Fatalf("toSource = %v, want %v", got, want)
		}
	}
}

// at reads channel c (0 B, 1 G, 2 R) of input pixel x, y.
func at(buf []float32, inW, inH, c, x, y int) float32 {
	return buf[c*inW*inH+y*inW+x]
}

func TestLetterboxFillBGRAndPadding(t *testing.T) {
	// A portrait image: red top half, blue bottom half.
	src := image.NewRGBA(image.Rect(0, 0, 60, 120))
	for y := range 120 {
		for x := range 60 {
			c := color.RGBA{200, 10, 0, 255}
			if y >= 60 {
				c = color.RGBA{0, 20, 250, 255}
			}
			src.SetRGBA(x, y, c)
		}
	}
	const inW, inH = 64, 64
	lb := newLetterbox(60, 120, inW, inH)
	if lb.w != 32 || lb.h != 64 {
		t.Fatalf("geometry %dx%d, want 32x64", lb.w, lb.h)
	}
	buf := make([]float32, 3*inW*inH)
	for i := range buf {
		buf[i] = -1 // stale data from a previous frame must all be overwritten
	}
	lb.fill(buf, src)
	for _, p := range []struct {
		x, y    int
		b, g, r float32
	}{
		{0, 0, 0, 10, 200},   // red, top-left
		{31, 20, 0, 10, 200}, // red, right edge of the image
		{10, 50, 250, 20, 0}, // blue
		{32, 0, 114, 114, 114},
		{63, 63, 114, 114, 114},
	} {
		b, g, r := at(buf, inW, inH, 0, p.x, p.y), at(buf, inW, inH, 1, p.x, p.y), at(buf, inW, inH, 2, p.x, p.y)
		if b != p.b || g != p.g || r != p.r {
			t.Errorf("pixel %d,%d is BGR %v %v %v, want %v %v %v", p.x, p.y, b, g, r, p.b, p.g, p.r)
		}
	}
	for i, v := range buf {
		if v < 0 || v > 255 {
			t.Fatalf("input value %d is %v, outside 0..255 (not overwritten?)", i, v)
		}
	}
}

func TestLetterboxFillLandscapePadsBelow(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 200, 100))
	for i := range src.Pix {
		src.Pix[i] = 30
	}
	const inW, inH = 32, 32
	lb := newLetterbox(200, 100, inW, inH)
	buf := make([]float32, 3*inW*inH)
	lb.fill(buf, src)
	for c := range 3 {
		if v := at(buf, inW, inH, c, 31, 15); v != 30 {
			t.Errorf("channel %d at 31,15 = %v, want 30", c, v)
		}
		if v := at(buf, inW, inH, c, 0, 16); v != 114 {
			t.Errorf("channel %d at 0,16 = %v, want the pad 114", c, v)
		}
	}
}

// smoothRGBA is a test image without hard edges, so that converting before or after
// interpolating gives nearly the same numbers.
func smoothRGBA(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, color.RGBA{
				uint8(40 + 170*x/w),
				uint8(30 + 160*y/h),
				uint8(120 + 80*math.Sin(float64(x+y)/9)),
				255,
			})
		}
	}
	return m
}

// toYCbCr converts m to a YCbCr image with the given subsampling, as a JPEG decoder gives.
func toYCbCr(m *image.RGBA, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	b := m.Bounds()
	out := image.NewYCbCr(b, ratio)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := m.RGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			out.Y[out.YOffset(x, y)] = yy
			out.Cb[out.COffset(x, y)] = cb // the last pixel sharing a chroma sample wins
			out.Cr[out.COffset(x, y)] = cr
		}
	}
	return out
}

// TestLetterboxYCbCrMatchesGeneric checks the direct YCbCr path against the generic one,
// which lets the standard library convert every pixel to RGBA first.
func TestLetterboxYCbCrMatchesGeneric(t *testing.T) {
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio444,
	} {
		for _, size := range [][2]int{{300, 170}, {170, 300}} {
			ycc := toYCbCr(smoothRGBA(size[0], size[1]), ratio)
			const inW, inH = 96, 96
			lb := newLetterbox(size[0], size[1], inW, inH)
			fast := make([]float32, 3*inW*inH)
			slow := make([]float32, 3*inW*inH)
			lb.fill(fast, ycc)
			lb.fill(slow, struct{ image.Image }{ycc}) // hides the type: the generic path
			worst := 0.0
			for i := range fast {
				worst = math.Max(worst, math.Abs(float64(fast[i]-slow[i])))
			}
			if worst > 3 {
				t.Errorf("%v %dx%d: the YCbCr path differs from the generic one by up to %.1f levels", ratio, size[0], size[1], worst)
			}
		}
	}
}

// TestLetterboxSubImage checks that images whose bounds do not start at 0,0 are read
// from their own top-left corner.
func TestLetterboxSubImage(t *testing.T) {
	full := smoothRGBA(200, 200)
	sub := full.SubImage(image.Rect(50, 70, 150, 120)).(*image.RGBA)
	copyOf := image.NewRGBA(image.Rect(0, 0, 100, 50))
	for y := range 50 {
		for x := range 100 {
			copyOf.SetRGBA(x, y, full.RGBAAt(50+x, 70+y))
		}
	}
	const inW, inH = 64, 64
	lb := newLetterbox(100, 50, inW, inH)
	a := make([]float32, 3*inW*inH)
	b := make([]float32, 3*inW*inH)
	lb.fill(a, sub)
	lb.fill(b, copyOf)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("a sub-image is read differently from a copy of it at %d: %v vs %v", i, a[i], b[i])
		}
	}
	ysub := toYCbCr(full, image.YCbCrSubsampleRatio420).SubImage(image.Rect(51, 71, 151, 121))
	lb.fill(a, ysub)
	lb.fill(b, struct{ image.Image }{ysub})
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 3 {
			t.Fatalf("a YCbCr sub-image differs from the generic path at %d: %v vs %v", i, a[i], b[i])
		}
	}
}

func TestLetterboxRandomSizesStayInBounds(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for range 50 {
		w, h := 1+r.Intn(700), 1+r.Intn(700)
		m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		r.Read(m.Y)
		r.Read(m.Cb)
		r.Read(m.Cr)
		lb := newLetterbox(w, h, 416, 416)
		buf := make([]float32, 3*416*416)
		lb.fill(buf, m) // must not panic for odd sizes
		for i, v := range buf {
			if v < 0 || v > 255 {
				t.Fatalf("%dx%d: value %d is %v", w, h, i, v)
			}
		}
	}
}
