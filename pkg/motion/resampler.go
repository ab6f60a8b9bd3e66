package motion

import "math"

// resampler shrinks a plane by area averaging: each output pixel is the
// mean of the source area it covers, with fractional weights at the edges.
// The weights are computed once per (source size, output size) pair, so a
// running camera does no allocation here.
type resampler struct {
	sw, sh, dw, dh int
	xs, ys         axisWeights
	tmp            []uint16 // horizontally resampled rows, ×64
	acc            []uint32 // one output row being accumulated
}

// axisWeights holds the taps of a 1-D area resampling: output i is
// Σ src[first[i]+t] · w[i*taps+t] / 2^14 for t < taps. Every output has
// the same number of taps (some weights are 0), which keeps the inner
// loops simple.
type axisWeights struct {
	first []int32
	w     []uint16
	taps  int
}

const weightBits = 14

// build computes the taps to resample n source samples to m.
func (a *axisWeights) build(n, m int) {
	scale := float64(n) / float64(m)
	a.taps = 0
	for i := 0; i < m; i++ {
		lo, hi := float64(i)*scale, float64(i+1)*scale
		a.taps = max(a.taps, min(n, int(math.Ceil(hi))-int(lo)))
	}
	a.first = make([]int32, m)
	a.w = make([]uint16, m*a.taps)
	for i := 0; i < m; i++ {
		lo, hi := float64(i)*scale, float64(i+1)*scale
		j0 := int(lo)
		first := min(j0, n-a.taps) // keep every tap inside the source
		a.first[i] = int32(first)
		w := a.w[i*a.taps : (i+1)*a.taps]
		total, big := 0, 0
		for j := j0; j < n && float64(j) < hi; j++ {
			overlap := min(hi, float64(j+1)) - max(lo, float64(j))
			wt := int(overlap/(hi-lo)*(1<<weightBits) + 0.5)
			w[j-first] = uint16(wt)
			total += wt
			if wt > int(w[big]) {
				big = j - first
			}
		}
		// Make the weights sum to exactly 1 so flat areas stay flat.
		w[big] = uint16(int(w[big]) + (1 << weightBits) - total)
	}
}

// resample writes src, area-averaged to dst's size, into dst.
func (r *resampler) resample(src *plane, dst *plane) {
	sw, sh, dw, dh := src.W, src.H, dst.W, dst.H
	if sw == dw && sh == dh {
		for y := 0; y < dh; y++ {
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+dw], src.Pix[y*src.Stride:])
		}
		return
	}
	if r.sw != sw || r.sh != sh || r.dw != dw || r.dh != dh {
		r.sw, r.sh, r.dw, r.dh = sw, sh, dw, dh
		r.xs.build(sw, dw)
		r.ys.build(sh, dh)
		r.tmp = make([]uint16, sh*dw)
		r.acc = make([]uint32, dw)
	}
	// Horizontal pass: every source row to dw samples, scaled by 64.
	xs := &r.xs
	for y := 0; y < sh; y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+sw]
		out := r.tmp[y*dw : y*dw+dw]
		if xs.taps == 2 {
			for i := range out {
				s := row[xs.first[i]:][:2]
				w := xs.w[2*i:][:2]
				sum := uint32(s[0])*uint32(w[0]) + uint32(s[1])*uint32(w[1])
				out[i] = uint16((sum + 1<<(weightBits-7)) >> (weightBits - 6))
			}
			continue
		}
		nt := xs.taps
		for i := range out {
			s := row[xs.first[i]:][:nt]
			var sum uint32
			for t, w := range xs.w[i*nt : (i+1)*nt] {
				sum += uint32(s[t]) * uint32(w)
			}
			out[i] = uint16((sum + 1<<(weightBits-7)) >> (weightBits - 6))
		}
	}
	// Vertical pass: accumulate the weighted rows of each output row.
	ys := &r.ys
	for i := 0; i < dh; i++ {
		acc := r.acc
		clear(acc)
		j0 := int(ys.first[i])
		for t, w := range ys.w[i*ys.taps : (i+1)*ys.taps] {
			if w == 0 {
				continue
			}
			row := r.tmp[(j0+t)*dw : (j0+t)*dw+dw]
			for x, v := range row {
				acc[x] += uint32(v) * uint32(w)
			}
		}
		out := dst.Pix[i*dst.Stride : i*dst.Stride+dw]
		for x, v := range acc {
			out[x] = uint8((v + 1<<(weightBits+5)) >> (weightBits + 6))
		}
	}
}
