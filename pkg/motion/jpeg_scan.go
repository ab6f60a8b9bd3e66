package motion

import "fmt"

// decodeScan decodes the scan whose header was just parsed. A scan that
// contains the luma component is decoded (chroma blocks in it are only
// parsed and dropped); any other scan is skipped without decoding.
func (d *grayDecoder) decodeScan() error {
	hasLuma := false
	for i := 0; i < d.nScan; i++ {
		hasLuma = hasLuma || d.scanComps[i] == 0
	}
	if !hasLuma || d.lumaDone {
		d.skipScan()
		return nil
	}
	luma := &d.comps[0]
	if !d.quantSet[luma.tq] {
		return fmt.Errorf("%w: luma quantisation table is not defined", errCorrupt)
	}
	d.weights.set(&d.quant[luma.tq], d.scale)
	d.br.reset(d.data, d.pos)

	var preds [4]int32
	nextRST := 0
	mcusX, mcusY := 0, 0
	if d.nScan == 1 { // non-interleaved: one block per MCU, in raster order
		mcusX = ((d.width*luma.h+d.hmax-1)/d.hmax + 7) / 8
		mcusY = ((d.height*luma.v+d.vmax-1)/d.vmax + 7) / 8
	} else {
		mcusX = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
		mcusY = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	}
	s, stride := d.scale, d.out.Stride
	mcu := 0
	for my := 0; my < mcusY; my++ {
		for mx := 0; mx < mcusX; mx++ {
			if d.restart > 0 && mcu > 0 && mcu%d.restart == 0 {
				if err := d.syncRestart(nextRST); err != nil {
					return err
				}
				nextRST = (nextRST + 1) & 7
				preds = [4]int32{}
			}
			mcu++
			if d.br.fake > maxFake {
				return fmt.Errorf("%w: image data is truncated", errCorrupt)
			}
			if d.nScan == 1 {
				if !d.lumaBlock(luma, &preds[0], my*s*stride+mx*s) {
					return fmt.Errorf("%w: bad Huffman code in the luma data", errCorrupt)
				}
				continue
			}
			for i := 0; i < d.nScan; i++ {
				c := &d.comps[d.scanComps[i]]
				for v := 0; v < c.v; v++ {
					for h := 0; h < c.h; h++ {
						var ok bool
						if d.scanComps[i] == 0 {
							bx, by := mx*c.h+h, my*c.v+v
							ok = d.lumaBlock(c, &preds[i], by*s*stride+bx*s)
						} else {
							ok = d.br.skipBlock(&d.dcTabs[c.dcTab], &d.acTabs[c.acTab])
						}
						if !ok {
							return fmt.Errorf("%w: bad Huffman code in the image data", errCorrupt)
						}
					}
				}
			}
		}
	}
	if d.br.fake > maxFake {
		return fmt.Errorf("%w: image data is truncated", errCorrupt)
	}
	d.pos = d.br.pos
	d.lumaDone = true
	return nil
}

// syncRestart moves past the expected RSTn marker and resets the bit
// reader.
func (d *grayDecoder) syncRestart(n int) error {
	d.pos = d.br.pos
	m, err := d.nextMarker()
	if err != nil {
		return err
	}
	if m != byte(0xd0+n) {
		return fmt.Errorf("%w: expected restart marker %d, found marker 0x%02x", errCorrupt, n, m)
	}
	d.br.reset(d.data, d.pos)
	return nil
}

// skipScan moves pos to the first marker after the current scan's
// entropy-coded data, other than a restart marker.
func (d *grayDecoder) skipScan() {
	data := d.data
	for ; d.pos+1 < len(data); d.pos++ {
		if data[d.pos] == 0xff {
			m := data[d.pos+1]
			if m != 0 && m != 0xff && (m < 0xd0 || m > 0xd7) {
				return
			}
		}
	}
	d.pos = len(data)
}

// lumaBlock decodes one luma block and writes its s×s reduced-scale pixels
// at d.out.Pix[off:]. It reports false for an invalid code.
func (d *grayDecoder) lumaBlock(c *component, pred *int32, off int) bool {
	br := &d.br
	dc, ac := &d.dcTabs[c.dcTab], &d.acTabs[c.acTab]
	if br.n < 32 {
		br.refill()
	}
	sz, ok := br.decode(dc)
	if !ok || sz > 15 {
		return false
	}
	*pred += br.receive(uint(sz))
	s := d.scale
	if s == 1 {
		if !br.skipAC(ac) {
			return false
		}
		d.out.Pix[off] = clampByte(float32(*pred)*d.weights.w[0] + 128.5)
		return true
	}
	if s == 2 {
		return d.lumaBlock2(ac, *pred, off)
	}
	ss := s * s
	w := d.weights.w
	useful := &d.weights.useful
	var acc [64]float32
	dcv := float32(*pred)
	for j := 0; j < ss; j++ {
		acc[j] = dcv * w[j]
	}
	for k := 1; k < 64; {
		if br.n < 32 {
			br.refill()
		}
		var v int32
		if f := ac.fastAC[br.acc>>(64-lutBits)]; f != 0 {
			br.skip(uint(f & 0xff))
			k += int(f >> 8 & 0xff)
			v = f >> 16
		} else {
			rs, ok := br.decode(ac)
			if !ok {
				return false
			}
			r, sz := int(rs>>4), uint(rs&15)
			if sz == 0 {
				if r != 15 {
					break // end of block
				}
				k += 16
				continue
			}
			k += r
			v = br.receive(sz)
		}
		if k > 63 {
			return false
		}
		if useful[k] {
			fv := float32(v)
			wk := w[k*ss : k*ss+ss]
			for j, x := range wk {
				acc[j] += fv * x
			}
		}
		k++
	}
	pix, stride := d.out.Pix, d.out.Stride
	for qy := 0; qy < s; qy++ {
		row := pix[off+qy*stride : off+qy*stride+s]
		for qx := range row {
			row[qx] = clampByte(acc[qy*s+qx] + 128.5)
		}
	}
	return true
}

// lumaBlock2 is lumaBlock's AC part and output for scale 1/4 (2×2 pixels
// per block), the common case, with the accumulators in registers.
func (d *grayDecoder) lumaBlock2(ac *huffTable, dc int32, off int) bool {
	br := &d.br
	w := d.weights.w[:64*4]
	fv := float32(dc)
	a0, a1, a2, a3 := fv*w[0], fv*w[1], fv*w[2], fv*w[3]
	for k := 1; k < 64; {
		if br.n < 32 {
			br.refill()
		}
		var v int32
		if f := ac.fastAC[br.acc>>(64-lutBits)]; f != 0 {
			br.skip(uint(f & 0xff))
			k += int(f >> 8 & 0xff)
			v = f >> 16
		} else {
			rs, ok := br.decode(ac)
			if !ok {
				return false
			}
			r, sz := int(rs>>4), uint(rs&15)
			if sz == 0 {
				if r != 15 {
					break // end of block
				}
				k += 16
				continue
			}
			k += r
			v = br.receive(sz)
		}
		if k > 63 {
			return false
		}
		// Coefficients whose weights are all 0 (even frequencies)
		// cost four multiplications by zero, cheaper than a branch.
		wk := (*[4]float32)(w[k*4:])
		fv := float32(v)
		a0 += fv * wk[0]
		a1 += fv * wk[1]
		a2 += fv * wk[2]
		a3 += fv * wk[3]
		k++
	}
	pix := d.out.Pix[off:]
	stride := d.out.Stride
	pix[0], pix[1] = clampByte(a0+128.5), clampByte(a1+128.5)
	pix[stride], pix[stride+1] = clampByte(a2+128.5), clampByte(a3+128.5)
	return true
}

// clampByte converts x to a byte, truncating and clamping to 0..255.
func clampByte(x float32) byte {
	if x <= 0 {
		return 0
	}
	if x >= 255 {
		return 255
	}
	return byte(x)
}

// skipBlock parses one block and drops it.
func (br *bitReader) skipBlock(dc, ac *huffTable) bool {
	if br.n < 32 {
		br.refill()
	}
	if e := dc.skip[br.acc>>(64-lutBits)]; e != 0 {
		br.skip(uint(e & 0xff))
	} else {
		sz, ok := br.decode(dc)
		if !ok || sz > 15 {
			return false
		}
		br.skip(uint(sz))
	}
	return br.skipAC(ac)
}

// skipAC parses the AC coefficients of one block and drops them. The bit
// buffer is kept in locals so that it stays in registers.
func (br *bitReader) skipAC(ac *huffTable) bool {
	acc, n := br.acc, br.n
	for k := 1; k < 64; {
		if n < 32 {
			br.acc, br.n = acc, n
			br.refill()
			acc, n = br.acc, br.n
		}
		if e := ac.skip[acc>>(64-lutBits)]; e != 0 {
			l := uint(e & 0xff)
			acc <<= l
			n -= l
			k += int(e >> 8)
			continue
		}
		br.acc, br.n = acc, n
		rs, ok := br.decode(ac)
		if !ok {
			return false
		}
		r, sz := int(rs>>4), uint(rs&15)
		br.skip(sz)
		acc, n = br.acc, br.n
		if sz == 0 {
			if r != 15 {
				break
			}
			k += 16
			continue
		}
		k += r + 1
	}
	br.acc, br.n = acc, n
	return true
}
