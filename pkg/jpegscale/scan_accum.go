package jpegscale

// blockNAccum is blockN with the sums computed by accum64 or accum16 (AVX2): the AC
// coefficients are gathered first, then added in coding order, eight outputs an instruction,
// each multiply and add rounded as the scalar loop rounds them, so the pixels are the same
// bit for bit.
func (b *bits) blockNAccum(ac *huffman, kn *kernel, n int, dc int32, pix []byte, stride int) bool {
	var ks [64]uint8
	var vs [64]float32
	cnt := 0
	for k := 1; k < 64; {
		step, v, ok := b.coef(ac)
		if !ok {
			return false
		}
		if step == 0 {
			break
		}
		k += step - 1
		if k > 63 {
			return false
		}
		if v != 0 && !kn.zero[k] {
			ks[cnt], vs[cnt] = uint8(k), float32(v)
			cnt++
		}
		k++
	}
	if n == 8 {
		_ = pix[7*stride+7] // the block's last pixel is inside pix
		accum64(&pix[0], stride, &kn.w[0], float32(dc), &ks[0], &vs[0], cnt)
		return true
	}
	var sum [64]float32
	accum16(&sum, &kn.w[0], float32(dc), &ks[0], &vs[0], cnt)
	for y := range n {
		row := pix[y*stride : y*stride+n]
		s := sum[y*n : y*n+n]
		for x := range row {
			row[x] = toByte(s[x] + 128.5)
		}
	}
	return true
}
