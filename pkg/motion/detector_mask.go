package motion

import "math"

// updateMask rasterises the zones and masks for a w×h analysis frame,
// unless the mask for this configuration and size is already built.
// Pixels whose centre lies inside a zone (or anywhere, with no zones) and
// outside every mask are monitored.
func (d *Detector) updateMask(w, h int) {
	if d.maskValid && d.maskW == w && d.maskH == h {
		return
	}
	d.maskValid, d.maskW, d.maskH = true, w, h
	if len(d.cfg.Zones) == 0 && len(d.cfg.Masks) == 0 {
		d.mask, d.monitored = nil, w*h
		return
	}
	if cap(d.maskBuf) < w*h {
		d.maskBuf = make([]uint8, w*h)
	}
	m := d.maskBuf[:w*h]
	var outside uint8
	if len(d.cfg.Zones) > 0 {
		outside = 1
	}
	for i := range m {
		m[i] = outside
	}
	for _, z := range d.cfg.Zones {
		if d.fillPolygon(m, w, h, z, 0) == 0 {
			// A zone smaller than a pixel still watches the pixel
			// at its centre.
			c := z.centroid()
			x := min(w-1, int(c.X*float64(w)))
			y := min(h-1, int(c.Y*float64(h)))
			m[y*w+x] = 0
		}
	}
	for _, p := range d.cfg.Masks {
		d.fillPolygon(m, w, h, p, 1)
	}
	d.mask, d.monitored = m, 0
	for _, v := range m {
		d.monitored += int(1 - v)
	}
}

// fillPolygon sets to v the pixels of the w×h bitmap m whose centre is
// inside p (even-odd rule), and returns how many it set.
func (d *Detector) fillPolygon(m []uint8, w, h int, p Polygon, v uint8) int {
	filled := 0
	for y := 0; y < h; y++ {
		yc := (float64(y) + 0.5) / float64(h)
		xs := d.xs[:0]
		for i := range p {
			a, b := p[i], p[(i+1)%len(p)]
			if (a.Y <= yc) == (b.Y <= yc) {
				continue // the edge does not cross this row's centre line
			}
			xs = append(xs, (a.X+(yc-a.Y)*(b.X-a.X)/(b.Y-a.Y))*float64(w))
		}
		d.xs = xs
		// Insertion sort: polygons have few edges.
		for i := 1; i < len(xs); i++ {
			for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
				xs[j], xs[j-1] = xs[j-1], xs[j]
			}
		}
		for i := 0; i+1 < len(xs); i += 2 {
			// Pixels whose centre x+0.5 lies in [xs[i], xs[i+1]).
			x0 := max(0, int(math.Ceil(xs[i]-0.5)))
			x1 := min(w, int(math.Ceil(xs[i+1]-0.5)))
			for x := x0; x < x1; x++ {
				m[y*w+x] = v
			}
			filled += max(0, x1-x0)
		}
	}
	return filled
}

// centroid returns the mean of the polygon's corners.
func (p Polygon) centroid() Point {
	var c Point
	for _, q := range p {
		c.X += q.X
		c.Y += q.Y
	}
	return Point{c.X / float64(len(p)), c.Y / float64(len(p))}
}
