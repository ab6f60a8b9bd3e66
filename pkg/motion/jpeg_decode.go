package motion

import (
	"errors"
	"fmt"
)

// Errors of the reduced-scale decoder. errUnsupported means the file is
// probably valid but uses a feature this decoder leaves to image/jpeg.
var (
	errUnsupported = errors.New("JPEG feature not supported by the fast decoder")
	errCorrupt     = errors.New("corrupt JPEG")
)

// maxPixels bounds the frame size either decoder accepts (8192×8192).
const maxPixels = 8192 * 8192

// component is one colour component of the frame, from the SOF segment.
type component struct {
	id    uint8
	h, v  int // sampling factors
	tq    int // quantisation table
	dcTab int // Huffman tables selected by the current scan
	acTab int
}

// grayDecoder decodes the luma of a baseline (or extended sequential)
// Huffman JPEG at a reduced scale, skipping the chroma IDCT and colour
// conversion. It keeps its tables and output buffer between calls; it is
// not safe for concurrent use.
type grayDecoder struct {
	data []byte
	pos  int

	width, height int
	comps         []component
	compBuf       [4]component
	hmax, vmax    int
	sofSeen       bool
	adobeRGB      bool // APP14 says the components are RGB, not YCbCr

	quant     [4][64]uint16 // zigzag order
	quantSet  [4]bool
	dcTabs    [4]huffTable
	acTabs    [4]huffTable
	restart   int // restart interval in MCUs; 0 means none
	minWidth  int
	scale     int // outputs per block side: 1, 2, 4 or 8
	weights   blockWeights
	br        bitReader
	out       plane
	lumaDone  bool
	scanComps [4]int // indexes into comps of the current scan's components
	nScan     int
}

// decode decodes data at the smallest scale (1/8, 1/4, 1/2 or 1/1) whose
// width is at least minWidth, and returns the luma plane (valid until the
// next call) and the full size of the frame. It returns an error wrapping
// errUnsupported for files it leaves to image/jpeg, and one wrapping
// errCorrupt for invalid data.
func (d *grayDecoder) decode(data []byte, minWidth int) (p *plane, width, height int, err error) {
	d.data, d.pos, d.minWidth = data, 0, minWidth
	d.sofSeen, d.adobeRGB, d.lumaDone, d.restart = false, false, false, 0
	d.quantSet = [4]bool{}
	for i := range d.dcTabs {
		d.dcTabs[i].defined, d.acTabs[i].defined = false, false
	}
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return nil, 0, 0, fmt.Errorf("%w: missing SOI marker", errCorrupt)
	}
	d.pos = 2
	for {
		marker, err := d.nextMarker()
		if err != nil {
			return nil, 0, 0, err
		}
		switch {
		case marker == 0xd9: // EOI
			return nil, 0, 0, fmt.Errorf("%w: no image data before EOI", errCorrupt)
		case marker >= 0xd0 && marker <= 0xd7, marker == 0x01:
			continue // stray RSTn or TEM: no length, nothing to do
		}
		seg, err := d.segment()
		if err != nil {
			return nil, 0, 0, err
		}
		switch {
		case marker == 0xc0 || marker == 0xc1: // baseline, extended sequential Huffman
			err = d.parseSOF(seg)
		case marker == 0xc2:
			err = fmt.Errorf("%w: progressive JPEG", errUnsupported)
		case marker >= 0xc3 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc:
			err = fmt.Errorf("%w: SOF%d (lossless, hierarchical or arithmetic)", errUnsupported, marker-0xc0)
		case marker == 0xcc:
			err = fmt.Errorf("%w: arithmetic coding", errUnsupported)
		case marker == 0xc4:
			err = d.parseDHT(seg)
		case marker == 0xdb:
			err = d.parseDQT(seg)
		case marker == 0xdd:
			err = d.parseDRI(seg)
		case marker == 0xdc:
			err = fmt.Errorf("%w: DNL marker", errUnsupported)
		case marker == 0xee:
			d.parseAdobe(seg)
		case marker == 0xda:
			if err = d.parseSOS(seg); err == nil {
				err = d.decodeScan()
			}
			if err == nil && d.lumaDone {
				return &d.out, d.width, d.height, nil
			}
		}
		if err != nil {
			return nil, 0, 0, err
		}
	}
}

// nextMarker skips to the next marker and returns its code, leaving pos
// after it. Bytes before the marker (padding after entropy-coded data) are
// skipped.
func (d *grayDecoder) nextMarker() (byte, error) {
	data := d.data
	for d.pos+1 < len(data) {
		if data[d.pos] != 0xff {
			d.pos++
			continue
		}
		m := data[d.pos+1]
		if m == 0 || m == 0xff { // stuffed byte or fill byte
			d.pos++
			continue
		}
		d.pos += 2
		return m, nil
	}
	return 0, fmt.Errorf("%w: data ends before the image (missing marker)", errCorrupt)
}

// segment returns the payload of the marker segment at pos (after its
// 2-byte length) and moves pos past it.
func (d *grayDecoder) segment() ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, fmt.Errorf("%w: truncated marker segment", errCorrupt)
	}
	n := int(d.data[d.pos])<<8 | int(d.data[d.pos+1])
	if n < 2 || d.pos+n > len(d.data) {
		return nil, fmt.Errorf("%w: marker segment length %d runs past the data", errCorrupt, n)
	}
	seg := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return seg, nil
}

// chooseScale sets d.scale and sizes the output buffer for the frame.
func (d *grayDecoder) chooseScale() {
	d.scale = 8
	for _, s := range []int{1, 2, 4} {
		if (d.width*s+7)/8 >= d.minWidth {
			d.scale = s
			break
		}
	}
	s := d.scale
	mcuW, mcuH := 8*d.hmax, 8*d.vmax
	bufW := (d.width + mcuW - 1) / mcuW * d.hmax * s
	bufH := (d.height + mcuH - 1) / mcuH * d.vmax * s
	d.out.resize(bufW, bufH)
	d.out.W, d.out.H = (d.width*s+7)/8, (d.height*s+7)/8
}
