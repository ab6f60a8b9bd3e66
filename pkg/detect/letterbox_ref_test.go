package detect

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/jpegscale"
	"golang.org/x/sys/unix"
)

// fillYCbCrRef is the letterbox fill of YCbCr images before the row-cached one in
// detector_letterbox_ycbcr.go, kept as the baseline the new one must match bit for bit and is
// benchmarked against. It samples a YCbCr image: luma and chroma are blended separately and then
// converted to RGB with the JFIF (full-range BT.601) equations that JPEG uses.
func (lb letterbox) fillYCbCrRef(dst []float32, m *image.YCbCr, xs, ys sampleAxis) {
	plane := lb.inW * lb.inH
	bPl, gPl, rPl := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	hd, vd := chromaDivisors(m.SubsampleRatio)
	minX, minY := m.Rect.Min.X, m.Rect.Min.Y
	// Chroma offsets follow image.YCbCr.COffset, in absolute coordinates.
	cx := func(x int) int { return (minX+x)/hd - minX/hd }
	cy := func(y int) int { return (minY+y)/vd - minY/vd }
	cx0 := make([]int, lb.w)
	cx1 := make([]int, lb.w)
	for i := range lb.w {
		cx0[i], cx1[i] = cx(xs.i0[i]), cx(xs.i1[i])
	}
	for oy := range lb.h {
		y0 := m.Y[ys.i0[oy]*m.YStride:]
		y1 := m.Y[ys.i1[oy]*m.YStride:]
		c0 := cy(ys.i0[oy]) * m.CStride
		c1 := cy(ys.i1[oy]) * m.CStride
		cb0, cb1 := m.Cb[c0:], m.Cb[c1:]
		cr0, cr1 := m.Cr[c0:], m.Cr[c1:]
		fy := ys.f[oy]
		row := oy * lb.inW
		for ox := range lb.w {
			a, b, fx := xs.i0[ox], xs.i1[ox], xs.f[ox]
			ka, kb := cx0[ox], cx1[ox]
			yy := bilerp(y0[a], y0[b], y1[a], y1[b], fx, fy)
			u := bilerp(cb0[ka], cb0[kb], cb1[ka], cb1[kb], fx, fy) - 128
			v := bilerp(cr0[ka], cr0[kb], cr1[ka], cr1[kb], fx, fy) - 128
			rPl[row+ox] = clamp255(yy + 1.402*v)
			gPl[row+ox] = clamp255(yy - 0.344136*u - 0.714136*v)
			bPl[row+ox] = clamp255(yy + 1.772*u)
		}
	}
}

// ycbcrCases are the pictures the row-cached YCbCr fill is checked and benchmarked on: the shared
// photos as image/jpeg decodes them and as pkg/jpegscale reduces the 1080p frame, every chroma
// subsampling, odd sizes, and sub-images whose bounds do not start at 0,0.
func ycbcrCases(t testing.TB) map[string]*image.YCbCr {
	cases := map[string]*image.YCbCr{}
	for _, name := range []string{"dog.jpg", "kite_and_cold.jpg"} {
		if m, ok := loadImage(t, name).(*image.YCbCr); ok {
			cases[name] = m
		}
	}
	frame := frame1080p(t)
	full, err := jpeg.Decode(bytes.NewReader(frame))
	if err != nil {
		t.Fatal(err)
	}
	cases["1080p"] = full.(*image.YCbCr)
	var dec jpegscale.Decoder
	for _, s := range [][2]int{{416, 234}, {900, 500}} {
		f, err := dec.Decode(frame, s[0], s[1])
		if err != nil {
			t.Fatal(err)
		}
		m := f.Image.(*image.YCbCr)
		cases[fmt.Sprintf("1080p at 1/%d", f.Scale)] = &image.YCbCr{Y: append([]uint8(nil), m.Y...), Cb: append([]uint8(nil), m.Cb...),
			Cr: append([]uint8(nil), m.Cr...), YStride: m.YStride, CStride: m.CStride, SubsampleRatio: m.SubsampleRatio, Rect: m.Rect}
	}
	r := rand.New(rand.NewSource(7))
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		for range 4 {
			w, h := 1+r.Intn(900), 1+r.Intn(900)
			m := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
			r.Read(m.Y)
			r.Read(m.Cb)
			r.Read(m.Cr)
			cases[fmt.Sprintf("%v %dx%d", ratio, w, h)] = m
			if w > 3 && h > 3 {
				cases[fmt.Sprintf("%v %dx%d sub", ratio, w, h)] = m.SubImage(image.Rect(1, 3, w-1, h)).(*image.YCbCr)
			}
		}
	}
	return cases
}

// TestLetterboxYCbCrSameAsBaseline: the row-cached YCbCr fill writes the very same tensor, bit for
// bit, as the per-pixel one it replaced, so detections cannot change.
func TestLetterboxYCbCrSameAsBaseline(t *testing.T) {
	for name, m := range ycbcrCases(t) {
		for _, in := range [][2]int{{416, 416}, {640, 384}, {96, 96}} {
			b := m.Bounds()
			lb := newLetterbox(b.Dx(), b.Dy(), in[0], in[1])
			xs, ys := newSampleAxis(lb.srcW, lb.w), newSampleAxis(lb.srcH, lb.h)
			got := make([]float32, 3*in[0]*in[1])
			want := make([]float32, 3*in[0]*in[1])
			lb.fillYCbCr(got, m, xs, ys)
			lb.fillYCbCrRef(want, m, xs, ys)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s into %dx%d: value %d is %v, the baseline %v", name, in[0], in[1], i, got[i], want[i])
				}
			}
		}
	}
}

// threadCPU is the CPU time the calling OS thread has used: unlike the wall clock it does not count
// the time other processes of a loaded machine hold the core.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// BenchmarkLetterboxYCbCr compares the row-cached YCbCr fill (new) with the per-pixel one it
// replaced (baseline) on the 1/4-scale frame DetectJPEG fills from and on the full 1080p frame,
// interleaved call by call on one locked OS thread. It reports both medians of the thread's CPU time
// (the wall clock of this shared machine is mostly other processes' time) and new/baseline.
func BenchmarkLetterboxYCbCr(b *testing.B) {
	cases := ycbcrCases(b)
	for _, name := range []string{"1080p at 1/4", "1080p"} {
		m := cases[name]
		lb := newLetterbox(m.Rect.Dx(), m.Rect.Dy(), 416, 416)
		buf := make([]float32, 3*416*416)
		b.Run(name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var oldTimes, newTimes []time.Duration
			for b.Loop() {
				t0 := threadCPU()
				lb.fillYCbCrRef(buf, m, newSampleAxis(lb.srcW, lb.w), newSampleAxis(lb.srcH, lb.h))
				t1 := threadCPU()
				lb.fillYCbCr(buf, m, newSampleAxis(lb.srcW, lb.w), newSampleAxis(lb.srcH, lb.h))
				t2 := threadCPU()
				oldTimes = append(oldTimes, t1-t0)
				newTimes = append(newTimes, t2-t1)
			}
			reportMedians(b, oldTimes, newTimes)
		})
	}
}
