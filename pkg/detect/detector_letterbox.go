package detect

import (
	"image"
	"image/draw"
	"math"
)

// padValue fills the part of the model input that the scaled image does not cover.
const padValue = 114

// letterbox is the geometry of fitting a source image into the model input: scaled by
// one factor so that it fits, placed at the top-left corner, the rest padded.
type letterbox struct {
	srcW, srcH int     // source image size
	inW, inH   int     // model input size
	w, h       int     // size of the scaled image inside the input
	scale      float64 // min(inW/srcW, inH/srcH)
}

// newLetterbox returns the geometry for a srcW×srcH image and an inW×inH model input.
func newLetterbox(srcW, srcH, inW, inH int) letterbox {
	s := math.Min(float64(inW)/float64(srcW), float64(inH)/float64(srcH))
	// The small epsilon keeps 640×0.65 = 415.99999 from losing a whole pixel.
	w := min(max(int(math.Floor(float64(srcW)*s+1e-6)), 1), inW)
	h := min(max(int(math.Floor(float64(srcH)*s+1e-6)), 1), inH)
	return letterbox{srcW: srcW, srcH: srcH, inW: inW, inH: inH, w: w, h: h, scale: s}
}

// toSource maps a box from model-input pixels back to source pixels, clamped to the image.
func (lb letterbox) toSource(b [4]float64) [4]float64 {
	sw, sh := float64(lb.srcW), float64(lb.srcH)
	return [4]float64{
		clamp(b[0]/lb.scale, 0, sw),
		clamp(b[1]/lb.scale, 0, sh),
		clamp(b[2]/lb.scale, 0, sw),
		clamp(b[3]/lb.scale, 0, sh),
	}
}

func clamp(v, lo, hi float64) float64 {
	return math.Min(math.Max(v, lo), hi)
}

// sampleAxis holds, for each destination pixel along one axis, the two source pixels a
// bilinear sample blends and the weight of the second one.
type sampleAxis struct {
	i0, i1 []int
	f      []float32
}

// newSampleAxis maps dst pixels onto src pixels with pixel centres aligned (the
// convention of OpenCV's INTER_LINEAR resize, which YOLOX was trained with).
func newSampleAxis(src, dst int) sampleAxis {
	a := sampleAxis{i0: make([]int, dst), i1: make([]int, dst), f: make([]float32, dst)}
	ratio := float64(src) / float64(dst)
	for d := range dst {
		s := (float64(d)+0.5)*ratio - 0.5
		s = clamp(s, 0, float64(src-1))
		i := int(s)
		a.i0[d] = i
		a.i1[d] = min(i+1, src-1)
		a.f[d] = float32(s - float64(i))
	}
	return a
}

func lerp(a, b, f float32) float32 { return a + (b-a)*f }

func bilerp(p00, p01, p10, p11 uint8, fx, fy float32) float32 {
	return lerp(lerp(float32(p00), float32(p01), fx), lerp(float32(p10), float32(p11), fx), fy)
}

func clamp255(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return v
}

// fill writes img, letterboxed, into dst: a float32 NCHW tensor [1,3,inH,inW] in BGR
// order with values 0..255. YCbCr (what image/jpeg returns), RGBA, NRGBA and Gray images
// are read directly; other kinds are converted to RGBA first.
func (lb letterbox) fill(dst []float32, img image.Image) {
	lb.sample(dst, img)
	lb.pad(dst)
}

// sample writes img, scaled, into the top-left lb.w×lb.h of every plane of dst, leaving the
// padding as it is (fill is sample and pad).
func (lb letterbox) sample(dst []float32, img image.Image) {
	xs := newSampleAxis(lb.srcW, lb.w)
	ys := newSampleAxis(lb.srcH, lb.h)
	switch m := img.(type) {
	case *image.YCbCr:
		lb.fillYCbCr(dst, m, xs, ys)
	case *image.RGBA:
		lb.fillInterleaved(dst, m.Pix, m.Stride, 4, 0, 1, 2, xs, ys)
	case *image.NRGBA:
		lb.fillInterleaved(dst, m.Pix, m.Stride, 4, 0, 1, 2, xs, ys)
	case *image.Gray:
		lb.fillInterleaved(dst, m.Pix, m.Stride, 1, 0, 0, 0, xs, ys)
	default:
		b := img.Bounds()
		rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
		lb.fillInterleaved(dst, rgba.Pix, rgba.Stride, 4, 0, 1, 2, xs, ys)
	}
}

// pad fills the input outside the scaled image with padValue.
func (lb letterbox) pad(dst []float32) {
	plane := lb.inW * lb.inH
	for c := range 3 {
		p := dst[c*plane : (c+1)*plane]
		if lb.w < lb.inW {
			for y := range lb.h {
				fillF32(p[y*lb.inW+lb.w:(y+1)*lb.inW], padValue)
			}
		}
		fillF32(p[lb.h*lb.inW:], padValue)
	}
}

func fillF32(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

// fillInterleaved samples an image stored as interleaved 8-bit channels starting at the
// top-left of its bounds: bpp bytes a pixel, red, green and blue at the given offsets.
func (lb letterbox) fillInterleaved(dst []float32, pix []uint8, stride, bpp, offR, offG, offB int, xs, ys sampleAxis) {
	plane := lb.inW * lb.inH
	bPl, gPl, rPl := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	x0 := make([]int, lb.w)
	x1 := make([]int, lb.w)
	for i := range lb.w {
		x0[i], x1[i] = xs.i0[i]*bpp, xs.i1[i]*bpp
	}
	for oy := range lb.h {
		r0 := pix[ys.i0[oy]*stride:]
		r1 := pix[ys.i1[oy]*stride:]
		fy := ys.f[oy]
		row := oy * lb.inW
		for ox := range lb.w {
			a, b, fx := x0[ox], x1[ox], xs.f[ox]
			rPl[row+ox] = bilerp(r0[a+offR], r0[b+offR], r1[a+offR], r1[b+offR], fx, fy)
			gPl[row+ox] = bilerp(r0[a+offG], r0[b+offG], r1[a+offG], r1[b+offG], fx, fy)
			bPl[row+ox] = bilerp(r0[a+offB], r0[b+offB], r1[a+offB], r1[b+offB], fx, fy)
		}
	}
}

// chromaDivisors returns how many luma pixels share one chroma sample, across and down.
func chromaDivisors(r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	default:
		return 1, 1
	}
}
