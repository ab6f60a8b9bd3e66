package motion

import (
	"image"
	"image/color"
)

// plane is an 8-bit luma image: the pixel at (x, y) is Pix[y*Stride+x] for
// 0 ≤ x < W and 0 ≤ y < H.
type plane struct {
	Pix    []byte
	W, H   int
	Stride int
}

// resize makes p a w×h plane with stride w, reusing its buffer when it is
// large enough. The pixels are not cleared.
func (p *plane) resize(w, h int) {
	if cap(p.Pix) < w*h {
		p.Pix = make([]byte, w*h)
	}
	p.Pix = p.Pix[:w*h]
	p.W, p.H, p.Stride = w, h, w
}

// lumaOf returns the luma of img as a plane: for YCbCr and Gray images view
// is pointed at img's own pixels (no copy); other images are converted into
// conv.
func lumaOf(img image.Image, view, conv *plane) *plane {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		*view = plane{Pix: m.Y[m.YOffset(b.Min.X, b.Min.Y):], W: b.Dx(), H: b.Dy(), Stride: m.YStride}
		return view
	case *image.Gray:
		*view = plane{Pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], W: b.Dx(), H: b.Dy(), Stride: m.Stride}
		return view
	}
	conv.resize(b.Dx(), b.Dy())
	for y := 0; y < b.Dy(); y++ {
		row := conv.Pix[y*conv.Stride:]
		for x := 0; x < b.Dx(); x++ {
			row[x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
		}
	}
	return conv
}
