package detect

import "image"

// rowCache holds the horizontally interpolated samples of the two source rows an output row
// blends, so that output rows sharing a source row interpolate it once. A row's samples are
// lerp(p[i0], p[i1], fx) for every output column: exactly the inner lerp of bilerp, so the
// vertical lerp of two cached rows is bit for bit what bilerp computes.
type rowCache struct {
	idx [2]int
	buf [2][]float32
}

func newRowCache(w int) rowCache {
	return rowCache{idx: [2]int{-1, -1}, buf: [2][]float32{make([]float32, w), make([]float32, w)}}
}

// rows returns the interpolated rows r0 and r1, computing with fill those not cached. The slot
// kept is the one the other row does not need.
func (c *rowCache) rows(r0, r1 int, fill func(dst []float32, row int)) (a, b []float32) {
	get := func(r, keep int) []float32 {
		for k := range 2 {
			if c.idx[k] == r {
				return c.buf[k]
			}
		}
		k := 0
		if c.idx[0] == keep {
			k = 1
		}
		c.idx[k] = r
		fill(c.buf[k], r)
		return c.buf[k]
	}
	a = get(r0, r1)
	b = get(r1, r0)
	return a, b
}

// fillYCbCr samples a YCbCr image: luma and chroma are blended separately and then
// converted to RGB with the JFIF (full-range BT.601) equations that JPEG uses. Each source
// row (luma or chroma) is interpolated across once and reused by every output row that
// blends it; the arithmetic is that of the plain per-pixel bilinear sample.
func (lb letterbox) fillYCbCr(dst []float32, m *image.YCbCr, xs, ys sampleAxis) {
	plane := lb.inW * lb.inH
	bPl, gPl, rPl := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	hd, vd := chromaDivisors(m.SubsampleRatio)
	minX, minY := m.Rect.Min.X, m.Rect.Min.Y
	// Chroma offsets follow image.YCbCr.COffset, in absolute coordinates.
	cx := func(x int) int { return (minX+x)/hd - minX/hd }
	cy := func(y int) int { return (minY+y)/vd - minY/vd }
	w := lb.w
	i0, i1, fxs := xs.i0[:w], xs.i1[:w], xs.f[:w]
	cx0 := make([]int, w)
	cx1 := make([]int, w)
	for i := range w {
		cx0[i], cx1[i] = cx(i0[i]), cx(i1[i])
	}
	lumaRow := func(d []float32, r int) {
		p := m.Y[r*m.YStride:]
		d = d[:w]
		for x := range d {
			d[x] = lerp(float32(p[i0[x]]), float32(p[i1[x]]), fxs[x])
		}
	}
	chromaRow := func(d []float32, r int, pl []uint8) {
		p := pl[r*m.CStride:]
		d = d[:w]
		for x := range d {
			d[x] = lerp(float32(p[cx0[x]]), float32(p[cx1[x]]), fxs[x])
		}
	}
	yc, cbc, crc := newRowCache(w), newRowCache(w), newRowCache(w)
	cbRow := func(d []float32, r int) { chromaRow(d, r, m.Cb) }
	crRow := func(d []float32, r int) { chromaRow(d, r, m.Cr) }
	for oy := range lb.h {
		ya, yb := yc.rows(ys.i0[oy], ys.i1[oy], lumaRow)
		c0, c1 := cy(ys.i0[oy]), cy(ys.i1[oy])
		ua, ub := cbc.rows(c0, c1, cbRow)
		va, vb := crc.rows(c0, c1, crRow)
		fy := ys.f[oy]
		row := oy * lb.inW
		rr, gr, br := rPl[row:row+w], gPl[row:row+w], bPl[row:row+w]
		ya, yb, ua, ub, va, vb = ya[:w], yb[:w], ua[:w], ub[:w], va[:w], vb[:w]
		for ox := range rr {
			yy := lerp(ya[ox], yb[ox], fy)
			u := lerp(ua[ox], ub[ox], fy) - 128
			v := lerp(va[ox], vb[ox], fy) - 128
			rr[ox] = clamp255(yy + 1.402*v)
			gr[ox] = clamp255(yy - 0.344136*u - 0.714136*v)
			br[ox] = clamp255(yy + 1.772*u)
		}
	}
}
