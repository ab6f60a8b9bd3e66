package motion

import "math"

// zigzag maps the position of a coefficient in the entropy-coded order to
// its position (v*8 + u) in the 8×8 block.
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// blockWeights is the reduced inverse DCT of one quantisation table at one
// scale, in the form the scan decoder uses: the pixel values of a block at
// scale s (s×s outputs per 8×8 block, s = 1, 2, 4 or 8) are
//
//	out[j] = 128 + Σ_k coef[k] · w[k*s*s + j]
//
// with coef[k] the quantised coefficient at zigzag index k. Each output is
// the exact mean of the (8/s)×(8/s) pixels it stands for in the full inverse
// DCT (before rounding and clamping), so decoding at scale 1/4 equals
// decoding at full size and area-averaging 4×4 pixels.
type blockWeights struct {
	scale  int
	w      []float32
	useful [64]bool // false when all of coefficient k's weights are 0
	// key of the cached computation
	quant [64]uint16
	valid bool
}

// basisMean returns the mean over output cell q (of 8/s pixels) of the 1-D
// inverse DCT basis function for frequency u, including the C(u) factor.
func basisMean(s, q, u int) float64 {
	n := 8 / s
	var sum float64
	for x := q * n; x < (q+1)*n; x++ {
		sum += math.Cos(float64((2*x+1)*u) * math.Pi / 16)
	}
	c := 1.0
	if u == 0 {
		c = 1 / math.Sqrt2
	}
	return c * sum / float64(n)
}

// set computes the weights for a quantisation table (in zigzag order) at
// scale s, reusing the previous result when nothing changed.
func (bw *blockWeights) set(quant *[64]uint16, s int) {
	if bw.valid && bw.scale == s && bw.quant == *quant {
		return
	}
	bw.scale, bw.quant, bw.valid = s, *quant, true
	ss := s * s
	if cap(bw.w) < 64*ss {
		bw.w = make([]float32, 64*ss)
	}
	bw.w = bw.w[:64*ss]
	var basis [8][8]float64 // basis[q][u]
	for q := 0; q < s; q++ {
		for u := 0; u < 8; u++ {
			basis[q][u] = basisMean(s, q, u)
		}
	}
	for k := 0; k < 64; k++ {
		v, u := int(zigzag[k])/8, int(zigzag[k])%8
		bw.useful[k] = false
		for qy := 0; qy < s; qy++ {
			for qx := 0; qx < s; qx++ {
				wt := float64(quant[k]) * basis[qx][u] * basis[qy][v] / 4
				if math.Abs(wt) < 1e-9 {
					wt = 0
				} else {
					bw.useful[k] = true
				}
				bw.w[k*ss+qy*s+qx] = float32(wt)
			}
		}
	}
}
