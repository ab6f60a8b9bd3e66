package jpegscale

import "math"

// zigzagPos gives, for the k-th coefficient in coding order, its row-major position
// (v*8+u) in the 8×8 block.
var zigzagPos = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
}

// kernel is a reduced inverse DCT folded together with one quantisation table. A block
// decoded at n outputs per side (n = 1, 2, 4 or 8) has, before the +128 level shift,
//
//	pixel[j] = Σ_k q[k] · w[k*n*n + j]
//
// where q[k] is the k-th quantised coefficient in coding order. Each output is the exact
// mean of the (8/n)² pixels of the full inverse DCT it stands for, so a reduced decode
// equals a full decode followed by a box filter, up to rounding.
type kernel struct {
	n     int
	w     []float32
	zero  [64]bool // all weights of coefficient k are zero
	table [64]uint16
	ready bool
}

// cellMean is the mean, over output cell q of 8/n samples, of the 1-D DCT basis function
// of frequency u times its normalisation C(u).
func cellMean(n, q, u int) float64 {
	span := 8 / n
	sum := 0.0
	for x := q * span; x < (q+1)*span; x++ {
		sum += math.Cos(math.Pi * float64((2*x+1)*u) / 16)
	}
	if u == 0 {
		sum /= math.Sqrt2
	}
	return sum / float64(span)
}

// prepare computes the kernel for the quantisation table (coding order) and size n,
// unless it already holds exactly that.
func (k *kernel) prepare(table *[64]uint16, n int) {
	if k.ready && k.n == n && k.table == *table {
		return
	}
	k.n, k.table, k.ready = n, *table, true
	nn := n * n
	if cap(k.w) < 64*nn {
		k.w = make([]float32, 64*nn)
	}
	k.w = k.w[:64*nn]
	var m [8][8]float64 // m[q][u]
	for q := range n {
		for u := range 8 {
			m[q][u] = cellMean(n, q, u)
		}
	}
	for i := range 64 {
		v, u := int(zigzagPos[i])/8, int(zigzagPos[i])%8
		k.zero[i] = true
		for qy := range n {
			for qx := range n {
				x := float64(table[i]) * m[qy][v] * m[qx][u] / 4
				if math.Abs(x) < 1e-7 {
					x = 0
				} else {
					k.zero[i] = false
				}
				k.w[i*nn+qy*n+qx] = float32(x)
			}
		}
	}
}

// toByte rounds a level-shifted sample to 0..255 (x already includes +128.5).
func toByte(x float32) byte {
	if x <= 0 {
		return 0
	}
	if x >= 255 {
		return 255
	}
	return byte(x)
}
