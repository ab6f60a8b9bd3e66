package detect

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"slices"
	"testing"
	"time"

	xdraw "golang.org/x/image/draw"
)

// frame1080p is dog.jpg scaled up to 1920x1080 and encoded as a camera would send it.
func frame1080p(b testing.TB) []byte {
	b.Helper()
	src := loadImage(b, "dog.jpg")
	dst := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	xdraw.ApproxBiLinear.Scale(dst, dst.Rect, src, src.Bounds(), xdraw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// reportMedian adds the median time of one iteration, in milliseconds, to the results.
func reportMedian(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2])/1e6, "ms-median")
}

var benchThreads = []int{1, 2}

// BenchmarkDetectFrame1080p is the whole path for one camera frame: JPEG decode of a
// 1080p frame, letterbox, inference, decode and NMS.
func BenchmarkDetectFrame1080p(b *testing.B) {
	frame := frame1080p(b)
	for _, th := range benchThreads {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			d := openTest(b, Options{Threads: th})
			var times []time.Duration
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				img, err := jpeg.Decode(bytes.NewReader(frame))
				if err != nil {
					b.Fatal(err)
				}
				dets, err := d.Detect(img)
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

// BenchmarkInference is the model alone on a filled input tensor.
func BenchmarkInference(b *testing.B) {
	for _, th := range benchThreads {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			d := openTest(b, Options{Threads: th})
			img := loadImage(b, "dog.jpg")
			newLetterbox(img.Bounds().Dx(), img.Bounds().Dy(), d.model.inW, d.model.inH).fill(d.eng.input(), img)
			var times []time.Duration
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				if err := d.eng.run(); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(t0))
			}
			reportMedian(b, times)
		})
	}
}

// BenchmarkJPEGDecode1080p is the standard library's decode of the benchmark frame.
func BenchmarkJPEGDecode1080p(b *testing.B) {
	frame := frame1080p(b)
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(frame)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLetterbox1080p is the scaling of a decoded 1080p frame into the 416x416 input.
func BenchmarkLetterbox1080p(b *testing.B) {
	img, err := jpeg.Decode(bytes.NewReader(frame1080p(b)))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]float32, 3*416*416)
	lb := newLetterbox(1920, 1080, 416, 416)
	for b.Loop() {
		lb.fill(buf, img)
	}
}

// BenchmarkDecodeNMS is the post-processing of one real model output.
func BenchmarkDecodeNMS(b *testing.B) {
	d := openTest(b, Options{})
	img := loadImage(b, "kite_and_cold.jpg")
	lb := newLetterbox(img.Bounds().Dx(), img.Bounds().Dy(), d.model.inW, d.model.inH)
	lb.fill(d.eng.input(), img)
	if err := d.eng.run(); err != nil {
		b.Fatal(err)
	}
	out := d.eng.output()
	for b.Loop() {
		c := decodeYOLOX(out, d.model.classes, d.model.levels, d.minScore)
		for i := range c {
			c[i].box = lb.toSource(c[i].box)
		}
		nms(c, nmsIoU)
	}
}
