package detect

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"slices"
	"syscall"
	"testing"
	"time"

	xdraw "golang.org/x/image/draw"

	"github.com/nvrproject/nvr/pkg/jpegscale"
)

// cameraFrame is dog.jpg scaled to w×h and encoded as a camera (or the worker's analysis
// branch) would send it.
func cameraFrame(b testing.TB, w, h int) []byte {
	b.Helper()
	src := loadImage(b, "dog.jpg")
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(dst, dst.Rect, src, src.Bounds(), xdraw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// benchFrames are the frames the full-path benchmarks run on: a 1080p keyframe and the
// ≤ 640-px analysis JPEG the worker sends instead.
var benchFrames = []struct {
	name string
	w, h int
}{{"1080p", 1920, 1080}, {"640x360", 640, 360}}

// processCPU is the CPU time (user and system) this process, all its threads, has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func medianMS(t []time.Duration) float64 {
	if len(t) == 0 {
		return 0
	}
	s := slices.Clone(t)
	slices.Sort(s)
	return float64(s[len(s)/2]) / 1e6
}

// BenchmarkDetectStages splits DetectJPEG into its stages (JPEG decode at the model's scale,
// letterbox, inference, output decode and NMS) and reports each one's median wall time, plus
// the whole path's median and the process CPU time a frame costs (all threads; less
// sensitive to the machine's load than wall time).
func BenchmarkDetectStages(b *testing.B) {
	for _, fr := range benchFrames {
		frame := cameraFrame(b, fr.w, fr.h)
		b.Run(fmt.Sprintf("%s/threads=2", fr.name), func(b *testing.B) {
			d := openTest(b, Options{Threads: 2})
			var dec jpegscale.Decoder
			var tDec, tLB, tRun, tPost, tAll []time.Duration
			cpu0 := processCPU()
			for b.Loop() {
				t0 := time.Now()
				w, h, err := jpegscale.Size(frame)
				if err != nil {
					b.Fatal(err)
				}
				mw, mh := d.DecodeSize(w, h)
				f, err := dec.Decode(frame, mw, mh)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				bb := f.Image.Bounds()
				lb := newLetterbox(bb.Dx(), bb.Dy(), d.model.inW, d.model.inH)
				in := d.eng.input()
				lb.sample(in, f.Image)
				if d.padded != [2]int{lb.w, lb.h} {
					lb.pad(in)
					d.padded = [2]int{lb.w, lb.h}
				}
				t2 := time.Now()
				if err := d.eng.run(); err != nil {
					b.Fatal(err)
				}
				t3 := time.Now()
				c := decodeYOLOX(d.eng.output(), d.model.classes, d.model.levels, d.minScore)
				for i := range c {
					c[i].box = lb.toSource(c[i].box)
				}
				if len(nms(c, nmsIoU)) == 0 {
					b.Fatal("nothing detected")
				}
				t4 := time.Now()
				tDec, tLB, tRun, tPost, tAll = append(tDec, t1.Sub(t0)), append(tLB, t2.Sub(t1)),
					append(tRun, t3.Sub(t2)), append(tPost, t4.Sub(t3)), append(tAll, t4.Sub(t0))
			}
			cpu := processCPU() - cpu0
			b.ReportMetric(medianMS(tDec), "jpeg-ms")
			b.ReportMetric(medianMS(tLB), "letterbox-ms")
			b.ReportMetric(medianMS(tRun), "infer-ms")
			b.ReportMetric(medianMS(tPost), "post-ms")
			b.ReportMetric(medianMS(tAll), "all-ms-median")
			b.ReportMetric(float64(cpu)/1e6/float64(len(tAll)), "cpu-ms/frame")
		})
	}
}
