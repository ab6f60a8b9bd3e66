package jpegscale

import "fmt"

// decodeScan decodes the entropy-coded data of the scan just parsed into the planes of its
// components.
func (d *Decoder) decodeScan() error {
	for i := range d.nscan {
		c := &d.comps[d.scan[i]]
		c.pred = 0
		c.kernel = &d.kernels[c.tq]
		c.kernel.prepare(&d.quant[c.tq], d.n)
	}
	d.br.reset(d.data, d.pos)
	n := d.n
	var mcusX, mcusY int
	single := d.nscan == 1
	if single {
		// A scan of one component codes just the blocks that cover its own pixels, in
		// raster order, one per MCU.
		c := &d.comps[d.scan[0]]
		cw := (d.width*c.h + d.hmax - 1) / d.hmax
		ch := (d.height*c.v + d.vmax - 1) / d.vmax
		mcusX, mcusY = (cw+7)/8, (ch+7)/8
	} else {
		mcusX, mcusY = d.mcusX, d.mcusY
	}
	mcu, rst := 0, 0
	for my := range mcusY {
		for mx := range mcusX {
			if d.restart > 0 && mcu > 0 && mcu%d.restart == 0 {
				if err := d.nextInterval(rst); err != nil {
					return err
				}
				rst = (rst + 1) & 7
				for i := range d.nscan {
					d.comps[d.scan[i]].pred = 0
				}
			}
			mcu++
			if d.br.over > maxOver {
				return fmt.Errorf("%w: the image data is truncated", ErrCorrupt)
			}
			if single {
				c := &d.comps[d.scan[0]]
				if !d.block(c, (my*n)*c.stride+mx*n) {
					return fmt.Errorf("%w: bad Huffman code", ErrCorrupt)
				}
				continue
			}
			for i := range d.nscan {
				c := &d.comps[d.scan[i]]
				for v := range c.v {
					row := (my*c.v + v) * n * c.stride
					for h := range c.h {
						if !d.block(c, row+(mx*c.h+h)*n) {
							return fmt.Errorf("%w: bad Huffman code", ErrCorrupt)
						}
					}
				}
			}
		}
	}
	if d.br.over > maxOver {
		return fmt.Errorf("%w: the image data is truncated", ErrCorrupt)
	}
	d.pos = d.br.pos
	for i := range d.nscan {
		d.comps[d.scan[i]].done = true
	}
	return nil
}

// nextInterval moves past the restart marker RSTn expected next.
func (d *Decoder) nextInterval(n int) error {
	d.pos = d.br.pos
	m, err := d.marker()
	if err != nil {
		return err
	}
	if m != byte(0xd0+n) {
		return fmt.Errorf("%w: expected RST%d, found marker 0x%02x", ErrCorrupt, n, m)
	}
	d.br.reset(d.data, d.pos)
	return nil
}

// block decodes one block of c and writes its n×n reduced pixels at c.pix[off:]. It
// reports false on an invalid code.
func (d *Decoder) block(c *component, off int) bool {
	b := &d.br
	if b.n < 32 {
		b.fill()
	}
	size, ok := b.symbol(&d.dc[c.td])
	if !ok || size > 15 {
		return false
	}
	c.pred += b.value(uint(size))
	ac := &d.ac[c.ta]
	if d.LumaOnly && c != &d.comps[0] {
		return b.skipAC(ac)
	}
	switch d.n {
	case 1:
		if !b.skipAC(ac) {
			return false
		}
		c.pix[off] = toByte(float32(c.pred)*c.kernel.w[0] + 128.5)
		return true
	case 2:
		return b.block2(ac, c.kernel.w[:256], c.pred, c.pix[off:], c.stride)
	}
	if haveAccum && !d.Scalar {
		return b.blockNAccum(ac, c.kernel, d.n, c.pred, c.pix[off:], c.stride)
	}
	return b.blockN(ac, c.kernel, d.n, c.pred, c.pix[off:], c.stride)
}

// skipAC reads past the AC coefficients of a block.
func (b *bits) skipAC(ac *huffman) bool {
	acc, n := b.acc, b.n
	for k := 1; k < 64; {
		if n < 32 {
			b.acc, b.n = acc, n
			b.fill()
			acc, n = b.acc, b.n
		}
		if e := ac.skip[acc>>(64-peekBits)]; e != 0 {
			l := uint(e & 0xff)
			acc <<= l
			n -= l
			k += int(e >> 8)
			continue
		}
		b.acc, b.n = acc, n
		rs, ok := b.symbol(ac)
		if !ok {
			return false
		}
		run, size := int(rs>>4), uint(rs&15)
		b.drop(size)
		acc, n = b.acc, b.n
		if size == 0 {
			if run != 15 {
				break
			}
			k += 16
			continue
		}
		k += run + 1
	}
	b.acc, b.n = acc, n
	return true
}

// coef reads the next AC coefficient of a block: how far the zigzag index moves and the
// value; step 0 means end of block, ok false an invalid code.
func (b *bits) coef(ac *huffman) (step int, v int32, ok bool) {
	if b.n < 32 {
		b.fill()
	}
	if f := ac.coef[b.acc>>(64-peekBits)]; f != 0 {
		b.drop(uint(f & 0xff))
		return int(f >> 8 & 0xff), f >> 16, true
	}
	rs, ok := b.symbol(ac)
	if !ok {
		return 0, 0, false
	}
	run, size := int(rs>>4), uint(rs&15)
	if size == 0 {
		if run == 15 {
			return 16, 0, true
		}
		return 0, 0, true
	}
	return run + 1, b.value(size), true
}

// block2 decodes the AC coefficients of a block at 2×2 outputs (scale 1/4), keeping the
// four sums in registers.
func (b *bits) block2(ac *huffman, w []float32, dc int32, pix []byte, stride int) bool {
	f := float32(dc)
	a0, a1, a2, a3 := f*w[0], f*w[1], f*w[2], f*w[3]
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
		if v != 0 {
			wk := (*[4]float32)(w[k*4:])
			f := float32(v)
			a0 += f * wk[0]
			a1 += f * wk[1]
			a2 += f * wk[2]
			a3 += f * wk[3]
		}
		k++
	}
	pix[0], pix[1] = toByte(a0+128.5), toByte(a1+128.5)
	pix[stride], pix[stride+1] = toByte(a2+128.5), toByte(a3+128.5)
	return true
}

// blockN decodes the AC coefficients of a block at n×n outputs (n = 4 or 8).
func (b *bits) blockN(ac *huffman, kn *kernel, n int, dc int32, pix []byte, stride int) bool {
	nn := n * n
	w := kn.w
	var sum [64]float32
	f := float32(dc)
	for j := range nn {
		sum[j] = f * w[j]
	}
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
			f := float32(v)
			for j, x := range w[k*nn : k*nn+nn] {
				sum[j] += f * x
			}
		}
		k++
	}
	for y := range n {
		row := pix[y*stride : y*stride+n]
		for x := range row {
			row[x] = toByte(sum[y*n+x] + 128.5)
		}
	}
	return true
}
