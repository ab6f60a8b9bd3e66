package motion

import "fmt"

// parseSOF reads a baseline or extended sequential frame header.
func (d *grayDecoder) parseSOF(seg []byte) error {
	if d.sofSeen {
		return fmt.Errorf("%w: more than one frame header", errCorrupt)
	}
	if len(seg) < 6 {
		return fmt.Errorf("%w: frame header too short", errCorrupt)
	}
	if seg[0] != 8 {
		return fmt.Errorf("%w: %d-bit samples", errUnsupported, seg[0])
	}
	d.height = int(seg[1])<<8 | int(seg[2])
	d.width = int(seg[3])<<8 | int(seg[4])
	n := int(seg[5])
	if d.height == 0 {
		return fmt.Errorf("%w: height defined by a DNL marker", errUnsupported)
	}
	if d.width == 0 {
		return fmt.Errorf("%w: zero width", errCorrupt)
	}
	if d.width*d.height > maxPixels {
		return fmt.Errorf("%w: %d×%d frame is too large", errUnsupported, d.width, d.height)
	}
	if n != 1 && n != 3 {
		return fmt.Errorf("%w: %d colour components", errUnsupported, n)
	}
	if len(seg) != 6+3*n {
		return fmt.Errorf("%w: frame header length does not match its component count", errCorrupt)
	}
	d.comps = d.compBuf[:n]
	d.hmax, d.vmax = 1, 1
	for i := range d.comps {
		c := &d.comps[i]
		b := seg[6+3*i:]
		c.id, c.h, c.v, c.tq = b[0], int(b[1]>>4), int(b[1]&15), int(b[2])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return fmt.Errorf("%w: bad sampling factors or table of component %d", errCorrupt, i)
		}
		for j := 0; j < i; j++ {
			if d.comps[j].id == c.id {
				return fmt.Errorf("%w: repeated component id %d", errCorrupt, c.id)
			}
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	if n == 1 {
		// A single component forms non-interleaved scans only; its
		// sampling factors do not matter.
		d.comps[0].h, d.comps[0].v, d.hmax, d.vmax = 1, 1, 1, 1
	} else {
		if d.comps[0].h != d.hmax || d.comps[0].v != d.vmax {
			return fmt.Errorf("%w: luma is subsampled", errUnsupported)
		}
		if d.adobeRGB || (d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B') {
			return fmt.Errorf("%w: RGB colour space", errUnsupported)
		}
	}
	d.sofSeen = true
	d.chooseScale()
	return nil
}

// parseDQT reads one or more quantisation tables.
func (d *grayDecoder) parseDQT(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, int(seg[0]&15)
		if tq > 3 || pq > 1 {
			return fmt.Errorf("%w: bad quantisation table header", errCorrupt)
		}
		seg = seg[1:]
		if pq == 0 {
			if len(seg) < 64 {
				return fmt.Errorf("%w: truncated quantisation table", errCorrupt)
			}
			for k := 0; k < 64; k++ {
				d.quant[tq][k] = uint16(seg[k])
			}
			seg = seg[64:]
		} else {
			if len(seg) < 128 {
				return fmt.Errorf("%w: truncated quantisation table", errCorrupt)
			}
			for k := 0; k < 64; k++ {
				d.quant[tq][k] = uint16(seg[2*k])<<8 | uint16(seg[2*k+1])
			}
			seg = seg[128:]
		}
		d.quantSet[tq] = true
	}
	return nil
}

// parseDHT reads one or more Huffman tables.
func (d *grayDecoder) parseDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return fmt.Errorf("%w: truncated Huffman table", errCorrupt)
		}
		tc, th := seg[0]>>4, int(seg[0]&15)
		if tc > 1 || th > 3 {
			return fmt.Errorf("%w: bad Huffman table header", errCorrupt)
		}
		var counts [16]int
		total := 0
		for i := range counts {
			counts[i] = int(seg[1+i])
			total += counts[i]
		}
		if total == 0 || total > 256 || len(seg) < 17+total {
			return fmt.Errorf("%w: bad Huffman table size", errCorrupt)
		}
		tab := &d.dcTabs[th]
		if tc == 1 {
			tab = &d.acTabs[th]
		}
		if err := tab.build(&counts, seg[17:17+total], tc == 1); err != nil {
			return err
		}
		seg = seg[17+total:]
	}
	return nil
}

// parseDRI reads the restart interval.
func (d *grayDecoder) parseDRI(seg []byte) error {
	if len(seg) != 2 {
		return fmt.Errorf("%w: bad restart interval segment", errCorrupt)
	}
	d.restart = int(seg[0])<<8 | int(seg[1])
	return nil
}

// parseAdobe reads the colour transform flag of an Adobe APP14 segment.
func (d *grayDecoder) parseAdobe(seg []byte) {
	if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
		d.adobeRGB = seg[11] == 0
	}
}

// parseSOS reads a scan header into scanComps and the components' table
// selectors, and checks that everything the scan needs is defined.
func (d *grayDecoder) parseSOS(seg []byte) error {
	if !d.sofSeen {
		return fmt.Errorf("%w: scan before frame header", errCorrupt)
	}
	if len(seg) < 1 {
		return fmt.Errorf("%w: empty scan header", errCorrupt)
	}
	n := int(seg[0])
	if n < 1 || n > len(d.comps) || len(seg) != 4+2*n {
		return fmt.Errorf("%w: bad scan header", errCorrupt)
	}
	blocks := 0
	for i := 0; i < n; i++ {
		id, sel := seg[1+2*i], seg[2+2*i]
		ci := -1
		for j := range d.comps {
			if d.comps[j].id == id {
				ci = j
			}
		}
		if ci < 0 {
			return fmt.Errorf("%w: scan names unknown component %d", errCorrupt, id)
		}
		for j := 0; j < i; j++ {
			if d.scanComps[j] == ci {
				return fmt.Errorf("%w: scan names component %d twice", errCorrupt, id)
			}
		}
		c := &d.comps[ci]
		c.dcTab, c.acTab = int(sel>>4), int(sel&15)
		if c.dcTab > 3 || c.acTab > 3 {
			return fmt.Errorf("%w: bad Huffman table selector", errCorrupt)
		}
		d.scanComps[i] = ci
		blocks += c.h * c.v
	}
	if n > 1 && blocks > 10 {
		return fmt.Errorf("%w: %d blocks per MCU", errCorrupt, blocks)
	}
	d.nScan = n
	ss, se, a := seg[1+2*n], seg[2+2*n], seg[3+2*n]
	if ss != 0 || se != 63 || a != 0 {
		return fmt.Errorf("%w: spectral selection in a sequential scan", errCorrupt)
	}
	for i := 0; i < n; i++ {
		c := &d.comps[d.scanComps[i]]
		if !d.dcTabs[c.dcTab].defined || !d.acTabs[c.acTab].defined {
			return fmt.Errorf("%w: scan uses an undefined Huffman table", errCorrupt)
		}
	}
	return nil
}
