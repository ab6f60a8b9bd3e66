// Package jpegscale decodes baseline JPEGs at a reduced scale (1/8, 1/4, 1/2 or 1/1),
// doing for each 8×8 block only the part of the inverse DCT that the smaller picture
// needs: the DC coefficient alone at 1/8, a 2×2 or 4×4 reduced transform at 1/4 and 1/2.
// Each output pixel is the mean of the full-size pixels it covers, so the result matches
// a full decode followed by a box filter, at a fraction of the cost.
//
// The fast path handles baseline and extended sequential Huffman JPEGs (SOF0/SOF1) with
// 8-bit samples, greyscale or YCbCr with any of the chroma subsamplings image.YCbCr can
// represent (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, 4:1:0), and restart intervals. Anything
// else (progressive, arithmetic coding, lossless, 12-bit, CMYK/YCCK, RGB, unusual
// sampling factors) is decoded by image/jpeg instead; see Decoder.Decode for what is
// returned then.
package jpegscale

import (
	"errors"
	"fmt"
	"image"
)

var (
	// ErrCorrupt is wrapped by the errors for data that is not a valid JPEG.
	ErrCorrupt = errors.New("corrupt JPEG")
	// errFallback marks a file the fast path leaves to image/jpeg.
	errFallback = errors.New("JPEG feature left to image/jpeg")
)

// MaxPixels bounds the full size of a picture either path accepts.
const MaxPixels = 16384 * 16384

// Frame is a decoded picture.
type Frame struct {
	// Image is *image.YCbCr for colour pictures and *image.Gray for greyscale ones on the
	// fast path, with bounds starting at (0,0). After a fallback it is what image/jpeg
	// returned, box-downscaled by Scale when that is a *image.YCbCr or *image.Gray (other
	// kinds, such as *image.CMYK, are returned at full size with Scale 1).
	Image image.Image
	// Width and Height are the full size of the JPEG, from its frame header.
	Width, Height int
	// Scale is the reduction: Image is ⌈Width/Scale⌉×⌈Height/Scale⌉ (1, 2, 4 or 8), so an
	// Image pixel x covers full-size pixels Scale·x to Scale·(x+1).
	Scale int
	// Fallback reports that image/jpeg decoded the picture.
	Fallback bool
}

// component is one colour component from the frame header.
type component struct {
	id     byte
	h, v   int // sampling factors
	tq     int // quantisation table
	td, ta int // DC and AC Huffman tables of the current scan
	pred   int32
	pix    []byte // output plane, MCU-aligned
	stride int
	bw, bh int // blocks across and down in the plane (MCU-aligned)
	done   bool
	kernel *kernel
}

// Decoder decodes JPEGs reusing its tables and output buffers between calls. The Image
// of a Frame it returns stays valid until the next Decode call on the same Decoder. A
// Decoder must not be used by more than one goroutine at a time; the zero value is ready.
type Decoder struct {
	// LumaOnly makes Decode return only the luma of colour pictures, as an *image.Gray: the
	// chroma is read past without being transformed. Set it before the first Decode.
	LumaOnly bool
	// Scalar makes Decode use the portable loops even where the CPU has faster instructions
	// for them (AVX2 on amd64); the pixels are the same either way. For comparisons.
	Scalar bool

	headerReader

	width, height int
	ncomp         int
	comps         [3]component
	hmax, vmax    int
	mcusX, mcusY  int
	n             int // outputs per block side: 8/Scale
	sof, adobeRGB bool

	quant   [4][64]uint16
	qset    [4]bool
	kernels [4]kernel
	dc, ac  [4]huffman
	restart int

	scan  [3]int // component indexes of the current scan
	nscan int
	br    bits

	planes [3][]byte
	ycc    image.YCbCr
	gray   image.Gray
}

// Decode decodes data with a new Decoder; see Decoder.Decode.
func Decode(data []byte, minWidth, minHeight int) (Frame, error) {
	var d Decoder
	return d.Decode(data, minWidth, minHeight)
}

// Size returns the full width and height from the frame header of a JPEG, reading only
// the marker segments before it.
func Size(data []byte) (width, height int, err error) {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return 0, 0, fmt.Errorf("%w: no SOI marker", ErrCorrupt)
	}
	var d headerReader
	d.data, d.pos = data, 2
	for {
		m, err := d.marker()
		if err != nil {
			return 0, 0, err
		}
		if (m >= 0xd0 && m <= 0xd7) || m == 0x01 {
			continue
		}
		if m == 0xd9 || m == 0xda {
			return 0, 0, fmt.Errorf("%w: no frame header", ErrCorrupt)
		}
		seg, err := d.segment()
		if err != nil {
			return 0, 0, err
		}
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			if len(seg) < 5 {
				return 0, 0, fmt.Errorf("%w: short frame header", ErrCorrupt)
			}
			return int(seg[3])<<8 | int(seg[4]), int(seg[1])<<8 | int(seg[2]), nil
		}
	}
}

// Scale returns the reduction (8, 4, 2 or 1) Decode uses for a width×height JPEG and the
// given minimums, without reading any data: callers that keep decodes of one JPEG by scale
// use it to know which one a request needs.
func Scale(width, height, minWidth, minHeight int) int {
	return chooseScale(width, height, minWidth, minHeight)
}

// chooseScale returns the largest reduction (8, 4, 2, 1) whose picture is still at least
// minW×minH, or 1 if none is.
func chooseScale(w, h, minW, minH int) int {
	for _, s := range []int{8, 4, 2} {
		if (w+s-1)/s >= minW && (h+s-1)/s >= minH {
			return s
		}
	}
	return 1
}

// Decode decodes a JPEG at the largest reduction (1/8, 1/4, 1/2, else full size) whose
// picture is still at least minWidth×minHeight; zero or negative minimums choose 1/8.
// Files the fast path does not handle are decoded by image/jpeg and, when the result is
// *image.YCbCr or *image.Gray, box-downscaled by the same rule (that allocates); see
// Frame. Invalid data returns an error, never a panic.
func (d *Decoder) Decode(data []byte, minWidth, minHeight int) (Frame, error) {
	f, err := d.decode(data, minWidth, minHeight)
	if errors.Is(err, errFallback) {
		return d.fallback(data, minWidth, minHeight)
	}
	return f, err
}

func (d *Decoder) decode(data []byte, minW, minH int) (Frame, error) {
	d.data, d.pos = data, 0
	d.sof, d.adobeRGB, d.restart = false, false, 0
	d.qset = [4]bool{}
	for i := range d.dc {
		d.dc[i].ok, d.ac[i].ok = false, false
	}
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return Frame{}, fmt.Errorf("%w: no SOI marker", ErrCorrupt)
	}
	d.pos = 2
	for {
		m, err := d.marker()
		if err != nil {
			return Frame{}, err
		}
		if m == 0xd9 {
			return Frame{}, fmt.Errorf("%w: the image ends before every component was coded", ErrCorrupt)
		}
		if (m >= 0xd0 && m <= 0xd7) || m == 0x01 {
			continue // RSTn, TEM: no payload
		}
		seg, err := d.segment()
		if err != nil {
			return Frame{}, err
		}
		switch {
		case m == 0xc0 || m == 0xc1:
			err = d.parseSOF(seg, minW, minH)
		case m == 0xc4:
			err = d.parseDHT(seg)
		case m == 0xcc:
			err = fmt.Errorf("%w: arithmetic coding", errFallback)
		case m >= 0xc2 && m <= 0xcf && m != 0xc8:
			err = fmt.Errorf("%w: SOF%d", errFallback, m-0xc0)
		case m == 0xdb:
			err = d.parseDQT(seg)
		case m == 0xdd:
			if len(seg) != 2 {
				err = fmt.Errorf("%w: bad DRI segment", ErrCorrupt)
			} else {
				d.restart = int(seg[0])<<8 | int(seg[1])
			}
		case m == 0xdc:
			err = fmt.Errorf("%w: DNL marker", errFallback)
		case m == 0xee:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobeRGB = seg[11] == 0
			}
		case m == 0xda:
			if err = d.parseSOS(seg); err == nil {
				err = d.decodeScan()
			}
			if err == nil && d.decoded() == d.ncomp {
				return d.frame(), nil
			}
		}
		if err != nil {
			return Frame{}, err
		}
	}
}

// decoded counts the components whose scan has been decoded.
func (d *Decoder) decoded() int {
	n := 0
	for i := range d.ncomp {
		if d.comps[i].done {
			n++
		}
	}
	return n
}

// headerReader walks marker segments.
type headerReader struct {
	data []byte
	pos  int
}

// marker skips to the next marker and returns its code, pos then being after it.
func (d *headerReader) marker() (byte, error) {
	for d.pos+1 < len(d.data) {
		if d.data[d.pos] != 0xff {
			d.pos++
			continue
		}
		m := d.data[d.pos+1]
		if m == 0 || m == 0xff {
			d.pos++
			continue
		}
		d.pos += 2
		return m, nil
	}
	return 0, fmt.Errorf("%w: the data ends before the image does", ErrCorrupt)
}

// segment returns the payload of the marker segment at pos and moves past it.
func (d *headerReader) segment() ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, fmt.Errorf("%w: truncated marker segment", ErrCorrupt)
	}
	n := int(d.data[d.pos])<<8 | int(d.data[d.pos+1])
	if n < 2 || d.pos+n > len(d.data) {
		return nil, fmt.Errorf("%w: marker segment of length %d runs past the data", ErrCorrupt, n)
	}
	seg := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return seg, nil
}

// subsampling maps luma-to-chroma sampling ratios (across, down) to image.YCbCr's.
var subsampling = map[[2]int]image.YCbCrSubsampleRatio{
	{1, 1}: image.YCbCrSubsampleRatio444,
	{2, 1}: image.YCbCrSubsampleRatio422,
	{2, 2}: image.YCbCrSubsampleRatio420,
	{1, 2}: image.YCbCrSubsampleRatio440,
	{4, 1}: image.YCbCrSubsampleRatio411,
	{4, 2}: image.YCbCrSubsampleRatio410,
}

func (d *Decoder) parseSOF(seg []byte, minW, minH int) error {
	if d.sof {
		return fmt.Errorf("%w: two frame headers", ErrCorrupt)
	}
	if len(seg) < 6 {
		return fmt.Errorf("%w: short frame header", ErrCorrupt)
	}
	if seg[0] != 8 {
		return fmt.Errorf("%w: %d-bit samples", errFallback, seg[0])
	}
	d.height = int(seg[1])<<8 | int(seg[2])
	d.width = int(seg[3])<<8 | int(seg[4])
	nc := int(seg[5])
	if d.height == 0 {
		return fmt.Errorf("%w: height given by a DNL marker", errFallback)
	}
	if d.width == 0 {
		return fmt.Errorf("%w: zero width", ErrCorrupt)
	}
	if d.width*d.height > MaxPixels {
		return fmt.Errorf("%w: %dx%d is too large", ErrCorrupt, d.width, d.height)
	}
	if nc != 1 && nc != 3 {
		return fmt.Errorf("%w: %d components", errFallback, nc)
	}
	if len(seg) != 6+3*nc {
		return fmt.Errorf("%w: frame header length does not match its components", ErrCorrupt)
	}
	d.ncomp = nc
	d.hmax, d.vmax = 1, 1
	for i := range nc {
		c := &d.comps[i]
		b := seg[6+3*i:]
		*c = component{id: b[0], h: int(b[1] >> 4), v: int(b[1] & 15), tq: int(b[2]), pix: c.pix}
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return fmt.Errorf("%w: bad sampling factors or table of component %d", ErrCorrupt, i)
		}
		for j := range i {
			if d.comps[j].id == c.id {
				return fmt.Errorf("%w: component id %d twice", ErrCorrupt, c.id)
			}
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	if nc == 1 {
		d.comps[0].h, d.comps[0].v, d.hmax, d.vmax = 1, 1, 1, 1
	} else {
		y, cb, cr := &d.comps[0], &d.comps[1], &d.comps[2]
		if d.adobeRGB || (y.id == 'R' && cb.id == 'G' && cr.id == 'B') {
			return fmt.Errorf("%w: RGB colour", errFallback)
		}
		if y.h != d.hmax || y.v != d.vmax || cb.h != cr.h || cb.v != cr.v || d.hmax%cb.h != 0 || d.vmax%cb.v != 0 {
			return fmt.Errorf("%w: unusual sampling factors", errFallback)
		}
		if _, ok := subsampling[[2]int{d.hmax / cb.h, d.vmax / cb.v}]; !ok {
			return fmt.Errorf("%w: unusual sampling factors", errFallback)
		}
	}
	d.sof = true
	scale := chooseScale(d.width, d.height, minW, minH)
	d.n = 8 / scale
	d.mcusX = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcusY = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	for i := range nc {
		c := &d.comps[i]
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
		c.stride = c.bw * d.n
		if d.LumaOnly && i > 0 {
			c.pix = nil // read past, never written
			continue
		}
		size := c.stride * c.bh * d.n
		if cap(d.planes[i]) < size {
			d.planes[i] = make([]byte, size)
		}
		c.pix = d.planes[i][:size]
	}
	return nil
}

func (d *Decoder) parseDQT(seg []byte) error {
	for len(seg) > 0 {
		p, t := seg[0]>>4, int(seg[0]&15)
		if p > 1 || t > 3 {
			return fmt.Errorf("%w: bad quantisation table header", ErrCorrupt)
		}
		seg = seg[1:]
		if len(seg) < 64*(int(p)+1) {
			return fmt.Errorf("%w: truncated quantisation table", ErrCorrupt)
		}
		for k := range 64 {
			if p == 0 {
				d.quant[t][k] = uint16(seg[k])
			} else {
				d.quant[t][k] = uint16(seg[2*k])<<8 | uint16(seg[2*k+1])
			}
		}
		seg = seg[64*(int(p)+1):]
		d.qset[t] = true
	}
	return nil
}

func (d *Decoder) parseDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return fmt.Errorf("%w: truncated Huffman table", ErrCorrupt)
		}
		class, t := seg[0]>>4, int(seg[0]&15)
		if class > 1 || t > 3 {
			return fmt.Errorf("%w: bad Huffman table header", ErrCorrupt)
		}
		var counts [16]uint8
		copy(counts[:], seg[1:17])
		total := 0
		for _, c := range counts {
			total += int(c)
		}
		if total == 0 || total > 256 || len(seg) < 17+total {
			return fmt.Errorf("%w: bad Huffman table size", ErrCorrupt)
		}
		h := &d.dc[t]
		if class == 1 {
			h = &d.ac[t]
		}
		if err := h.build(&counts, seg[17:17+total], class == 1); err != nil {
			return err
		}
		seg = seg[17+total:]
	}
	return nil
}

func (d *Decoder) parseSOS(seg []byte) error {
	if !d.sof {
		return fmt.Errorf("%w: scan before the frame header", ErrCorrupt)
	}
	if len(seg) < 1 {
		return fmt.Errorf("%w: empty scan header", ErrCorrupt)
	}
	n := int(seg[0])
	if n < 1 || n > d.ncomp || len(seg) != 4+2*n {
		return fmt.Errorf("%w: bad scan header", ErrCorrupt)
	}
	blocks := 0
	for i := range n {
		id, sel := seg[1+2*i], seg[2+2*i]
		ci := -1
		for j := range d.ncomp {
			if d.comps[j].id == id {
				ci = j
			}
		}
		if ci < 0 {
			return fmt.Errorf("%w: scan names unknown component %d", ErrCorrupt, id)
		}
		for j := range i {
			if d.scan[j] == ci {
				return fmt.Errorf("%w: scan names component %d twice", ErrCorrupt, id)
			}
		}
		c := &d.comps[ci]
		c.td, c.ta = int(sel>>4), int(sel&15)
		if c.td > 3 || c.ta > 3 || !d.dc[c.td].ok || !d.ac[c.ta].ok {
			return fmt.Errorf("%w: scan uses an undefined Huffman table", ErrCorrupt)
		}
		if !d.qset[c.tq] {
			return fmt.Errorf("%w: quantisation table %d is not defined", ErrCorrupt, c.tq)
		}
		d.scan[i] = ci
		blocks += c.h * c.v
	}
	if n > 1 && blocks > 10 {
		return fmt.Errorf("%w: %d blocks per MCU", ErrCorrupt, blocks)
	}
	if seg[1+2*n] != 0 || seg[2+2*n] != 63 || seg[3+2*n] != 0 {
		return fmt.Errorf("%w: spectral selection in a sequential scan", ErrCorrupt)
	}
	d.nscan = n
	return nil
}

// frame wraps the decoded planes in the reusable image header.
func (d *Decoder) frame() Frame {
	s := 8 / d.n
	w, h := (d.width+s-1)/s, (d.height+s-1)/s
	f := Frame{Width: d.width, Height: d.height, Scale: s}
	y := &d.comps[0]
	if d.ncomp == 1 || d.LumaOnly {
		d.gray = image.Gray{Pix: y.pix, Stride: y.stride, Rect: image.Rect(0, 0, w, h)}
		f.Image = &d.gray
		return f
	}
	cb, cr := &d.comps[1], &d.comps[2]
	d.ycc = image.YCbCr{
		Y: y.pix, Cb: cb.pix, Cr: cr.pix,
		YStride: y.stride, CStride: cb.stride,
		SubsampleRatio: subsampling[[2]int{d.hmax / cb.h, d.vmax / cb.v}],
		Rect:           image.Rect(0, 0, w, h),
	}
	f.Image = &d.ycc
	return f
}
