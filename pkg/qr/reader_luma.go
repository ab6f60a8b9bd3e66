package qr

import (
	"image"
	"image/color"
)

// luma is an 8-bit grey plane: pixel (x, y) is pix[y*stride+x].
type luma struct {
	pix       []byte
	w, h      int
	stride    int
	fromFrame bool // pix belongs to the caller's image
}

// luma returns the grey levels of img, without copying for YCbCr and Gray
// images (what JPEG decoding returns), converting others into r.gray.
func (r *Reader) luma(img image.Image) luma {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		return luma{m.Y[m.YOffset(b.Min.X, b.Min.Y):], w, h, m.YStride, true}
	case *image.Gray:
		return luma{m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], w, h, m.Stride, true}
	}
	if cap(r.gray) < w*h {
		r.gray = make([]byte, w*h)
	}
	g := r.gray[:w*h]
	switch m := img.(type) {
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				g[y*w+x] = grey(row[4*x], row[4*x+1], row[4*x+2])
			}
		}
	case *image.NRGBA: // alpha ignored: frames are opaque
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				g[y*w+x] = grey(row[4*x], row[4*x+1], row[4*x+2])
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g[y*w+x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
			}
		}
	}
	return luma{g, w, h, w, false}
}

// grey is the luma of an sRGB colour, with the weights of color.GrayModel.
func grey(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

// halve returns l shrunk by 2 in each direction (2×2 box average), in one
// of the Reader's two half-size buffers (not the one l may be using).
func (r *Reader) halve(l luma) luma {
	w, h := l.w/2, l.h/2
	buf := &r.half[0]
	if !l.fromFrame && len(l.pix) > 0 && len(r.half[0]) > 0 && &l.pix[0] == &r.half[0][0] {
		buf = &r.half[1]
	}
	if cap(*buf) < w*h {
		*buf = make([]byte, w*h)
	}
	out := (*buf)[:w*h]
	for y := 0; y < h; y++ {
		a := l.pix[2*y*l.stride:]
		b := l.pix[(2*y+1)*l.stride:]
		o := out[y*w : y*w+w]
		for x := range o {
			s := uint(a[2*x]) + uint(a[2*x+1]) + uint(b[2*x]) + uint(b[2*x+1])
			o[x] = uint8((s + 2) >> 2)
		}
	}
	return luma{out, w, h, w, false}
}
