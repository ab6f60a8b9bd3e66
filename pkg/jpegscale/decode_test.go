package jpegscale

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// gstJPEG encodes one videotestsrc frame with GStreamer's jpegenc; format is the raw
// format fed to jpegenc (I420 gives 4:2:0, Y42B 4:2:2, Y444 4:4:4, GRAY8 greyscale).
func gstJPEG(t testing.TB, w, h int, format, pattern string) []byte {
	t.Helper()
	gst, err := exec.LookPath("gst-launch-1.0")
	if err != nil {
		testskip.Skip(t, "gst-launch-1.0 is not installed", "run make setup")
	}
	out := filepath.Join(t.TempDir(), "frame.jpg")
	caps := fmt.Sprintf("video/x-raw,format=%s,width=%d,height=%d", format, w, h)
	cmd := exec.Command(gst, "-q", "videotestsrc", "num-buffers=1", "pattern="+pattern, "!", caps, "!", "jpegenc", "!", "filesink", "location="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gst-launch-1.0 failed (%v): %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil || len(data) == 0 {
		t.Fatalf("reading the jpegenc output: %v", err)
	}
	return data
}

// ffmpegRestart re-encodes a JPEG with ffmpeg's MJPEG encoder using slices, which puts a
// DRI segment and RSTn markers in the file, and optimal Huffman tables.
func ffmpegRestart(t testing.TB, src []byte, pixFmt string) []byte {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		testskip.Skip(t, "ffmpeg is not installed (the restart-marker case needs it)", "run make setup")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.jpg"), filepath.Join(dir, "out.jpg")
	if err := os.WriteFile(in, src, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ff, "-hide_banner", "-loglevel", "error", "-y", "-i", in, "-c:v", "mjpeg", "-huffman", "optimal",
		"-threads", "4", "-slices", "8", "-pix_fmt", pixFmt, "-q:v", "3", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg failed (%v): %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte{0xff, 0xdd}) || !bytes.Contains(data, []byte{0xff, 0xd0}) {
		testskip.Skip(t, "this ffmpeg wrote no restart markers", "install Debian 12's ffmpeg (make setup)")
	}
	return data
}

// pattern draws a picture with smooth gradients, sharp edges and fine detail.
func pattern(w, h int, gray bool) image.Image {
	var img interface {
		image.Image
		Set(x, y int, c color.Color)
	}
	if gray {
		img = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	for y := range h {
		for x := range w {
			r := uint8(x * 255 / w)
			g := uint8(y * 255 / h)
			b := uint8(128 + 100*math.Sin(float64(x*x+y*y)/5000))
			if (x/37+y/23)%2 == 0 {
				r, g = 255-r, g/2
			}
			if x%7 == 0 && y%5 < 2 {
				b = 255
			}
			img.Set(x, y, color.RGBA{r, g, b, 255})
		}
	}
	return img
}

func goJPEG(t testing.TB, w, h int, gray bool, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, pattern(w, h, gray), &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// planeMAE is the mean absolute difference between got (w×h) and the s×s box means of
// ref (rw×rh).
func planeMAE(got []byte, gotStride, w, h int, ref []byte, refStride, rw, rh, s int) float64 {
	want := make([]byte, w*h)
	boxDown(want, w, w, h, ref, refStride, rw, rh, s)
	sum := 0
	for y := range h {
		for x := range w {
			d := int(got[y*gotStride+x]) - int(want[y*w+x])
			sum += max(d, -d)
		}
	}
	return float64(sum) / float64(w*h)
}

// check decodes data at the reduction asked for and compares every channel with
// image/jpeg's full decode box-downscaled.
func check(t *testing.T, d *Decoder, data []byte, scale int, wantFallback bool) {
	t.Helper()
	ref, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	W, H := ref.Bounds().Dx(), ref.Bounds().Dy()
	f, err := d.Decode(data, (W+scale-1)/scale, (H+scale-1)/scale)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if f.Fallback != wantFallback {
		t.Errorf("Fallback = %v, want %v", f.Fallback, wantFallback)
	}
	if f.Width != W || f.Height != H || f.Scale != scale {
		t.Fatalf("frame is %dx%d at 1/%d, want %dx%d at 1/%d", f.Width, f.Height, f.Scale, W, H, scale)
	}
	w, h := (W+scale-1)/scale, (H+scale-1)/scale
	if b := f.Image.Bounds(); b != image.Rect(0, 0, w, h) {
		t.Fatalf("image bounds %v, want %v", b, image.Rect(0, 0, w, h))
	}
	const limit = 1.0
	switch r := ref.(type) {
	case *image.Gray:
		g, ok := f.Image.(*image.Gray)
		if !ok {
			t.Fatalf("image is %T, want *image.Gray", f.Image)
		}
		if e := planeMAE(g.Pix, g.Stride, w, h, r.Pix, r.Stride, W, H, scale); e > limit {
			t.Errorf("grey MAE %.2f > %g", e, limit)
		} else {
			t.Logf("%dx%d grey at 1/%d: MAE %.3f", W, H, scale, e)
		}
	case *image.YCbCr:
		g, ok := f.Image.(*image.YCbCr)
		if !ok {
			t.Fatalf("image is %T, want *image.YCbCr", f.Image)
		}
		if g.SubsampleRatio != r.SubsampleRatio {
			t.Fatalf("subsampling %v, want %v", g.SubsampleRatio, r.SubsampleRatio)
		}
		hd, vd := ratioDivisors(r.SubsampleRatio)
		cw, ch := (w+hd-1)/hd, (h+vd-1)/vd
		rcw, rch := (W+hd-1)/hd, (H+vd-1)/vd
		ey := planeMAE(g.Y, g.YStride, w, h, r.Y, r.YStride, W, H, scale)
		eb := planeMAE(g.Cb, g.CStride, cw, ch, r.Cb, r.CStride, rcw, rch, scale)
		er := planeMAE(g.Cr, g.CStride, cw, ch, r.Cr, r.CStride, rcw, rch, scale)
		t.Logf("%dx%d %v at 1/%d: MAE Y %.3f Cb %.3f Cr %.3f", W, H, r.SubsampleRatio, scale, ey, eb, er)
		if ey > limit || eb > limit || er > limit {
			t.Errorf("MAE Y %.2f Cb %.2f Cr %.2f, want each ≤ %g", ey, eb, er, limit)
		}
	default:
		t.Fatalf("image/jpeg returned %T", ref)
	}
}

func TestDecodeMatchesImageJPEG(t *testing.T) {
	type source struct {
		name string
		data func(t *testing.T) []byte
	}
	sources := []source{
		{"gst-420-1080p", func(t *testing.T) []byte { return gstJPEG(t, 1920, 1080, "I420", "smpte") }},
		{"gst-420-1000x563-ball", func(t *testing.T) []byte { return gstJPEG(t, 1000, 563, "I420", "zone-plate") }},
		{"gst-422-1000x563", func(t *testing.T) []byte { return gstJPEG(t, 1000, 563, "Y42B", "smpte") }},
		{"gst-444-1000x563", func(t *testing.T) []byte { return gstJPEG(t, 1000, 563, "Y444", "smpte") }},
		{"gst-grey-1000x563", func(t *testing.T) []byte { return gstJPEG(t, 1000, 563, "GRAY8", "smpte") }},
		{"go-colour-1000x563", func(t *testing.T) []byte { return goJPEG(t, 1000, 563, false, 85) }},
		{"go-colour-33x17-q100", func(t *testing.T) []byte { return goJPEG(t, 33, 17, false, 100) }},
		{"go-grey-1001x563", func(t *testing.T) []byte { return goJPEG(t, 1001, 563, true, 75) }},
		{"ffmpeg-restart-420", func(t *testing.T) []byte {
			return ffmpegRestart(t, gstJPEG(t, 1000, 563, "I420", "smpte"), "yuvj420p")
		}},
		{"ffmpeg-restart-422", func(t *testing.T) []byte {
			return ffmpegRestart(t, goJPEG(t, 1000, 563, false, 90), "yuvj422p")
		}},
		{"ffmpeg-restart-444", func(t *testing.T) []byte {
			return ffmpegRestart(t, goJPEG(t, 640, 360, false, 90), "yuvj444p")
		}},
	}
	var d Decoder // shared, so buffer reuse across sizes is exercised
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			data := src.data(t)
			for _, s := range []int{8, 4, 2, 1} {
				check(t, &d, data, s, false)
			}
		})
	}
}

func TestFallbackDownscales(t *testing.T) {
	for _, gray := range []bool{false, true} {
		data := goJPEG(t, 1000, 563, gray, 85)
		ref, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []int{8, 4, 2, 1} {
			f, err := fallback(data, (1000+s-1)/s, (563+s-1)/s)
			if err != nil {
				t.Fatal(err)
			}
			if !f.Fallback || f.Scale != s || f.Width != 1000 || f.Height != 563 {
				t.Fatalf("fallback frame %+v at 1/%d", f, s)
			}
			if s == 1 && f.Image != ref && fmt.Sprint(f.Image.Bounds()) != fmt.Sprint(ref.Bounds()) {
				t.Fatalf("full-size fallback has bounds %v", f.Image.Bounds())
			}
			var fast Decoder
			g, err := fast.Decode(data, (1000+s-1)/s, (563+s-1)/s)
			if err != nil {
				t.Fatal(err)
			}
			if e := imageMAE(f.Image, g.Image); e > 1.5 {
				t.Errorf("grey=%v 1/%d: fallback and fast path differ by %.2f on average", gray, s, e)
			}
		}
	}
}

// imageMAE compares two images of one size in RGBA.
func imageMAE(a, b image.Image) float64 {
	r := a.Bounds()
	sum, n := 0.0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			sum += math.Abs(float64(r1)-float64(r2)) + math.Abs(float64(g1)-float64(g2)) + math.Abs(float64(b1)-float64(b2))
			n += 3
		}
	}
	return sum / float64(n) / 257
}

func TestUnsupportedGoesToFallback(t *testing.T) {
	data := goJPEG(t, 64, 48, false, 80)
	i := bytes.Index(data, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 in the Go encoder's output")
	}
	for _, m := range []byte{0xc2, 0xc3, 0xc9, 0xca} { // progressive, lossless, arithmetic
		bad := bytes.Clone(data)
		bad[i+1] = m
		var d Decoder
		if _, err := d.decode(bad, 1, 1); !errors.Is(err, errFallback) {
			t.Errorf("SOF marker 0x%02x: fast path says %v, want a fallback", m, err)
		}
		// image/jpeg rejects or decodes the doctored file; either way Decode must not panic.
		_, _ = d.Decode(bad, 1, 1)
	}
	twelve := bytes.Clone(data)
	twelve[i+4] = 12
	var d Decoder
	if _, err := d.decode(twelve, 1, 1); !errors.Is(err, errFallback) {
		t.Errorf("12-bit: fast path says %v, want a fallback", err)
	}
}

// TestLumaOnly checks that a LumaOnly decoder returns the very luma plane a full decode
// makes, on the fast path at every scale and after a fallback (an Adobe RGB marker).
func TestLumaOnly(t *testing.T) {
	data := goJPEG(t, 333, 190, false, 85)
	for _, s := range []int{8, 4, 2, 1} {
		minW := (333 + s - 1) / s
		var full Decoder
		ff, err := full.Decode(data, minW, 1)
		if err != nil {
			t.Fatal(err)
		}
		ycc := ff.Image.(*image.YCbCr)
		luma := Decoder{LumaOnly: true}
		lf, err := luma.Decode(data, minW, 1)
		if err != nil {
			t.Fatal(err)
		}
		g, ok := lf.Image.(*image.Gray)
		if !ok || lf.Scale != s || lf.Width != 333 || lf.Height != 190 || g.Rect != ycc.Rect {
			t.Fatalf("1/%d: LumaOnly gave %T %v at scale %d of %dx%d, want *image.Gray %v", s, lf.Image, lf.Image.Bounds(), lf.Scale, lf.Width, lf.Height, ycc.Rect)
		}
		for y := range g.Rect.Dy() {
			if !bytes.Equal(g.Pix[y*g.Stride:y*g.Stride+g.Rect.Dx()], ycc.Y[y*ycc.YStride:y*ycc.YStride+ycc.Rect.Dx()]) {
				t.Fatalf("1/%d: row %d of the luma differs from the full decode's", s, y)
			}
		}
	}
	// What the fast path leaves to image/jpeg comes back as luma only too.
	luma := Decoder{LumaOnly: true}
	f, err := luma.fallback(data, 80, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Image.(*image.Gray); !ok || !f.Fallback {
		t.Fatalf("fallback with LumaOnly gave %T (fallback %v), want *image.Gray", f.Image, f.Fallback)
	}
}

func TestCorruptAndTruncated(t *testing.T) {
	data := goJPEG(t, 320, 240, false, 80)
	var d Decoder
	for _, n := range []int{0, 1, 2, 20, 200, len(data) / 2, len(data) - 100} {
		if _, err := d.Decode(data[:n], 40, 30); err == nil {
			t.Errorf("a file cut to %d bytes decoded without an error", n)
		}
	}
	if _, err := d.Decode(data, 40, 30); err != nil {
		t.Errorf("after errors, a good file fails: %v", err)
	}
}

func TestSize(t *testing.T) {
	w, h, err := Size(goJPEG(t, 101, 57, false, 80))
	if err != nil || w != 101 || h != 57 {
		t.Fatalf("Size = %d, %d, %v", w, h, err)
	}
}

func TestNoAllocationsAfterWarmUp(t *testing.T) {
	data := goJPEG(t, 1000, 563, false, 85)
	var d Decoder
	for _, s := range []int{8, 4, 2, 1} {
		minW := (1000 + s - 1) / s
		if _, err := d.Decode(data, minW, 1); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(5, func() {
			if _, err := d.Decode(data, minW, 1); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 0 {
			t.Errorf("1/%d: %.0f allocations per decode after warm-up", s, allocs)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(goJPEG(f, 16, 16, false, 50))
	f.Add(goJPEG(f, 33, 9, true, 90))
	f.Add(goJPEG(f, 40, 24, false, 100)[:300])
	f.Add([]byte{0xff, 0xd8, 0xff, 0xd9})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = Size(data)
		for _, d := range []*Decoder{{}, {LumaOnly: true}} {
			for _, m := range [][2]int{{1, 1}, {4, 4}, {1 << 20, 1}} {
				fr, err := d.Decode(data, m[0], m[1])
				if err == nil && (fr.Image == nil || fr.Width <= 0 || fr.Height <= 0) {
					t.Fatalf("no error but frame %+v (LumaOnly %v)", fr, d.LumaOnly)
				}
			}
		}
	})
}

func BenchmarkDecode1080pQuarter(b *testing.B) {
	data := gstJPEG(b, 1920, 1080, "I420", "smpte")
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, err := d.Decode(data, 416, 234)
		if err != nil || f.Scale != 4 {
			b.Fatal(err, f.Scale)
		}
	}
}

func BenchmarkImageJPEG1080p(b *testing.B) {
	data := gstJPEG(b, 1920, 1080, "I420", "smpte")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
