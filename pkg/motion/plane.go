package motion

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
