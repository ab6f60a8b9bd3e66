package motion

import "math"

// score compares d.cur with d.ref: absolute difference, 3×3 erosion,
// histogram of the eroded difference over the monitored pixels, then the
// RMS above mean×MeanFactor + NoiseFloor. See the package comment.
func (d *Detector) score() Result {
	w, h := d.cur.W, d.cur.H
	n := w * h
	if cap(d.hmin) < n {
		d.hmin, d.eroded = make([]byte, n), make([]byte, n)
	}
	if cap(d.row) < w {
		d.row = make([]byte, w)
	}
	hmin, eroded, row := d.hmin[:n], d.eroded[:n], d.row[:w]

	// Difference and horizontal minimum, one row at a time.
	for y := 0; y < h; y++ {
		cur, ref := d.cur.Pix[y*w:y*w+w], d.ref.Pix[y*w:y*w+w]
		for x := range row {
			row[x] = absDiff(cur[x], ref[x])
		}
		minOf3(hmin[y*w:y*w+w], row)
	}
	// Vertical minimum, and the histogram of the eroded difference.
	// Ignored pixels land in hist[256:] through the mask bit.
	var hist [512]int32
	for y := 0; y < h; y++ {
		up, mid, down := hmin[max(0, y-1)*w:], hmin[y*w:], hmin[min(h-1, y+1)*w:]
		out := eroded[y*w : y*w+w]
		up, mid, down = up[:w], mid[:w], down[:w]
		if d.mask == nil {
			for x := range out {
				e := min8(min8(up[x], mid[x]), down[x])
				out[x] = e
				hist[e]++
			}
			continue
		}
		m := d.mask[y*w : y*w+w]
		for x := range out {
			e := min8(min8(up[x], mid[x]), down[x])
			out[x] = e
			hist[int(e)|int(m[x]&1)<<8]++
		}
	}
	total := d.monitored
	if total == 0 {
		return Result{}
	}
	var sum, changed int64
	for v := 0; v < 256; v++ {
		sum += int64(v) * int64(hist[v])
		if v >= ChangeLevel {
			changed += int64(hist[v])
		}
	}
	res := Result{Changed: float64(changed) / float64(total)}
	if res.Changed >= GlobalChangeFraction {
		res.GlobalChange = true
		return res
	}
	level := float64(sum)/float64(total)*MeanFactor + NoiseFloor
	var sumSq float64
	first := int(level) + 1 // first grey level above level
	for v := first; v < 256; v++ {
		r := float64(v) - level
		sumSq += r * r * float64(hist[v])
	}
	if sumSq == 0 {
		return res
	}
	res.Score = math.Sqrt(sumSq / float64(total))
	res.Box = d.changedBox(eroded, w, h, first)
	return res
}

// minOf3 sets dst[x] to the minimum of src[x-1..x+1], ignoring neighbours
// outside the row.
func minOf3(dst, src []byte) {
	n := len(src)
	if n == 1 {
		dst[0] = src[0]
		return
	}
	dst[0] = min8(src[0], src[1])
	dst, src = dst[:n], src[:n]
	for x := 1; x < n-1; x++ {
		dst[x] = min8(min8(src[x-1], src[x]), src[x+1])
	}
	dst[n-1] = min8(src[n-2], src[n-1])
}

// min8 and absDiff are branch-free: on noisy differences the branches of
// the built-in min and max mispredict half of the time.
func min8(a, b byte) byte {
	d := int(a) - int(b)
	return byte(int(b) + d&(d>>63))
}

func absDiff(a, b byte) byte {
	d := int(a) - int(b)
	m := d >> 63
	return byte((d ^ m) - m)
}

// changedBox returns the bounding box, in image fractions, of the
// monitored pixels whose eroded difference is at least first.
func (d *Detector) changedBox(eroded []byte, w, h, first int) Rect {
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		row := eroded[y*w : y*w+w]
		for x, e := range row {
			if int(e) < first || (d.mask != nil && d.mask[y*w+x] != 0) {
				continue
			}
			x0, x1 = min(x0, x), max(x1, x)
			y0, y1 = min(y0, y), max(y1, y)
		}
	}
	if x1 < 0 {
		return Rect{}
	}
	fw, fh := float64(w), float64(h)
	return Rect{Point{float64(x0) / fw, float64(y0) / fh}, Point{float64(x1+1) / fw, float64(y1+1) / fh}}
}
