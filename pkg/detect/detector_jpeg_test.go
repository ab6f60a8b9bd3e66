package detect

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/jpegscale"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// readTestJPEG returns the bytes of one of the shared test images, or skips the test.
func readTestJPEG(t testing.TB, name string) []byte {
	t.Helper()
	p := filepath.Join(sharedDir, "testdata", "images", name)
	data, err := os.ReadFile(p)
	if err != nil {
		testskip.Skip(t, fmt.Sprintf("the test image %s is not there: %v", p, err), "put the shared/ directory beside the repository (../shared)")
	}
	return data
}

// sameDetections checks that got has the labels of want and that each box overlaps the
// matching one of want by at least minIoU.
func sameDetections(t *testing.T, got, want []Detection, minIoU float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("DetectJPEG found %d objects, Detect %d:\n%v\n%v", len(got), len(want), got, want)
	}
	used := make([]bool, len(want))
	for _, g := range got {
		best, bestIoU := -1, 0.0
		for i, w := range want {
			if !used[i] && w.Label == g.Label && IoU(g.Box, w.Box) > bestIoU {
				best, bestIoU = i, IoU(g.Box, w.Box)
			}
		}
		if best < 0 || bestIoU < minIoU {
			t.Errorf("DetectJPEG's %s %v (%.2f) matches no box of Detect (best IoU %.3f): %v", g.Label, g.Box, g.Score, bestIoU, want)
			continue
		}
		used[best] = true
		t.Logf("%s %.2f vs %.2f, IoU %.3f", g.Label, g.Score, want[best].Score, bestIoU)
	}
}

// TestDetectJPEGMatchesDetect compares DetectJPEG with Detect on image/jpeg's full decode.
// dog.jpg (768x576) is decoded at full size for a 416 input, so the two must agree
// closely. At a reduced scale the model sees a box-filtered picture instead of one
// bilinearly sampled from the full decode (which aliases), so small boxes move by a
// pixel or two: there the bound is IoU ≥ 0.8 with Detect, and the 1080p frame made from
// dog.jpg is also checked against Detect on the original dog.jpg (IoU ≥ 0.9), which is
// the truth the scaled-up frame stands for.
func TestDetectJPEGMatchesDetect(t *testing.T) {
	d := openTest(t, Options{})
	for _, tc := range []struct {
		name   string
		data   func(t *testing.T) []byte
		scale  int
		minIoU float64
	}{
		{"dog.jpg", func(t *testing.T) []byte { return readTestJPEG(t, "dog.jpg") }, 1, 0.9},
		{"kite_and_cold.jpg", func(t *testing.T) []byte { return readTestJPEG(t, "kite_and_cold.jpg") }, 2, 0.8},
		{"dog.jpg-1080p", func(t *testing.T) []byte { return frame1080p(t) }, 4, 0.8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			img, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want, err := d.Detect(img)
			if err != nil {
				t.Fatal(err)
			}
			got, err := d.DetectJPEG(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatal("Detect found nothing")
			}
			sameDetections(t, got, want, tc.minIoU)
			b := img.Bounds()
			for _, g := range got {
				if g.Box[0] < 0 || g.Box[1] < 0 || g.Box[2] > float64(b.Dx()) || g.Box[3] > float64(b.Dy()) {
					t.Errorf("box %v lies outside the %dx%d image", g.Box, b.Dx(), b.Dy())
				}
			}
			if tc.scale != 0 {
				lb := newLetterbox(b.Dx(), b.Dy(), d.model.inW, d.model.inH)
				f, err := jpegscale.Decode(data, lb.w, lb.h)
				if err != nil || f.Scale != tc.scale {
					t.Errorf("the JPEG decodes at 1/%d (%v), want 1/%d", f.Scale, err, tc.scale)
				}
			}
		})
	}
}

// TestDetectJPEG1080pMatchesOriginal checks the boxes found in the 1080p frame made from
// dog.jpg against those found in dog.jpg itself, mapped to 1080p: every object the
// original shows with a score of 0.5 or more is found with IoU ≥ 0.85, and on average
// DetectJPEG's boxes are at least as close to the original's as Detect's on the full
// 1080p decode.
func TestDetectJPEG1080pMatchesOriginal(t *testing.T) {
	d := openTest(t, Options{})
	orig, err := d.Detect(loadImage(t, "dog.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	frame := frame1080p(t)
	img, err := jpeg.Decode(bytes.NewReader(frame))
	if err != nil {
		t.Fatal(err)
	}
	full, err := d.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := d.DetectJPEG(frame)
	if err != nil {
		t.Fatal(err)
	}
	bestIoU := func(dets []Detection, label string, box [4]float64) float64 {
		best := 0.0
		for _, x := range dets {
			if x.Label == label {
				best = max(best, IoU(x.Box, box))
			}
		}
		return best
	}
	sx, sy := 1920/768.0, 1080/576.0
	var sumFast, sumFull float64
	n := 0
	for _, o := range orig {
		if o.Score < 0.5 {
			continue
		}
		b := [4]float64{o.Box[0] * sx, o.Box[1] * sy, o.Box[2] * sx, o.Box[3] * sy}
		f, g := bestIoU(fast, o.Label, b), bestIoU(full, o.Label, b)
		t.Logf("%s: IoU with the original %.3f for DetectJPEG, %.3f for Detect", o.Label, f, g)
		if f < 0.85 {
			t.Errorf("DetectJPEG finds the %s at IoU %.3f with the original", o.Label, f)
		}
		sumFast, sumFull = sumFast+f, sumFull+g
		n++
	}
	if n == 0 {
		t.Fatal("nothing found in dog.jpg")
	}
	if sumFast/float64(n) < sumFull/float64(n)-0.02 {
		t.Errorf("mean IoU with the original: DetectJPEG %.3f, Detect %.3f", sumFast/float64(n), sumFull/float64(n))
	}
}

func TestDetectJPEGErrors(t *testing.T) {
	d := openTest(t, Options{})
	for _, data := range [][]byte{nil, []byte("not a jpeg"), frame1080p(t)[:5000]} {
		if _, err := d.DetectJPEG(data); err == nil {
			t.Errorf("DetectJPEG accepted %d bytes of bad data", len(data))
		}
	}
}

// BenchmarkDetectJPEG1080p is the whole path for one camera frame with DetectJPEG: the
// JPEG decoded at 1/4 scale, letterbox, inference, decode and NMS. Compare with
// BenchmarkDetectFrame1080p.
func BenchmarkDetectJPEG1080p(b *testing.B) {
	frame := frame1080p(b)
	for _, th := range benchThreads {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			d := openTest(b, Options{Threads: th})
			var times []time.Duration
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				dets, err := d.DetectJPEG(frame)
				if err != nil {
					b.Fatal(err)
				}
				if len(dets) == 0 {
					b.Fatal("nothing detected in the scaled-up dog.jpg")
				}
				times = append(times, time.Since(t0))
			}
			reportMedian(b, times)
		})
	}
}

// BenchmarkJPEGScaleDecode1080p is pkg/jpegscale's decode of the benchmark frame at the
// 1/4 scale DetectJPEG uses; compare with BenchmarkJPEGDecode1080p.
func BenchmarkJPEGScaleDecode1080p(b *testing.B) {
	frame := frame1080p(b)
	var dec jpegscale.Decoder
	var times []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		f, err := dec.Decode(frame, 416, 234)
		if err != nil || f.Scale != 4 {
			b.Fatal(f.Scale, err)
		}
		times = append(times, time.Since(t0))
	}
	reportMedian(b, times)
}
