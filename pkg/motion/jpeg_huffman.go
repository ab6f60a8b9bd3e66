package motion

import (
	"encoding/binary"
	"fmt"
)

// lutBits is the number of bits looked up at once when decoding a Huffman
// symbol. Longer codes take the slow path.
const lutBits = 10

// huffTable is one decoded DHT table, with lookup tables for fast decoding.
type huffTable struct {
	// lut maps the next lutBits bits to codeLength<<8 | symbol, or to 0
	// when the code is longer than lutBits.
	lut [1 << lutBits]uint16
	// fastAC (AC tables only) maps the next lutBits bits to a whole
	// coefficient when its code and its extra bits fit in lutBits:
	// value<<16 | run<<8 | totalLength; 0 when they do not fit.
	fastAC [1 << lutBits]int32
	// skip maps the next lutBits bits to advance<<8 | totalLength for
	// parsing a coefficient without its value: totalLength is the code's
	// length plus its extra bits, advance is how far the coefficient index
	// moves (run+1, 16 for ZRL, 64 for end of block). 0 when the code is
	// longer than lutBits.
	skip [1 << lutBits]uint16
	// Canonical decoding for codes longer than lutBits: for each length l,
	// mincode[l]..maxcode[l] are the codes of that length and valptr[l] is
	// the index in vals of the first. maxcode[l] is -1 when there is none.
	mincode, maxcode, valptr [17]int32
	vals                     [256]uint8
	defined                  bool
}

// build fills the table from a DHT segment's code counts (counts[i] codes
// of length i+1) and symbols. It rejects tables whose codes do not fit.
func (h *huffTable) build(counts *[16]int, symbols []byte, isAC bool) error {
	*h = huffTable{}
	copy(h.vals[:], symbols)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		h.valptr[l], h.mincode[l], h.maxcode[l] = k, code, code+n-1
		if n == 0 {
			h.maxcode[l] = -1
		}
		if code+n > 1<<l {
			return fmt.Errorf("%w: Huffman table has too many codes of length %d", errCorrupt, l)
		}
		for i := int32(0); i < n && l <= lutBits; i++ {
			sym := uint16(symbols[k+i])
			c := code + i
			shift := lutBits - l
			for p := c << shift; p < (c+1)<<shift; p++ {
				h.lut[p] = uint16(l)<<8 | sym
			}
		}
		code = (code + n) << 1
		k += n
	}
	h.buildSkip(isAC)
	if isAC {
		h.buildFastAC()
	}
	h.defined = true
	return nil
}

// buildSkip fills skip from lut.
func (h *huffTable) buildSkip(isAC bool) {
	for p, e := range h.lut {
		if e == 0 {
			continue
		}
		l, sym := uint16(e>>8), e&0xff
		if !isAC {
			if sym > 15 {
				continue // invalid; left to the slow path to reject
			}
			h.skip[p] = 1<<8 | (l + sym)
			continue
		}
		run, size := sym>>4, sym&15
		adv := run + 1
		if size == 0 {
			adv = 64 // end of block (a run other than 15 is invalid: treated the same)
			if run == 15 {
				adv = 16
			}
		}
		h.skip[p] = adv<<8 | (l + size)
	}
}

// buildFastAC fills fastAC from lut.
func (h *huffTable) buildFastAC() {
	for p := range h.lut {
		e := h.lut[p]
		if e == 0 {
			continue
		}
		l, rs := int(e>>8), int(e&0xff)
		run, size := rs>>4, rs&15
		if size == 0 || l+size > lutBits {
			continue
		}
		bits := int32(p>>(lutBits-l-size)) & (1<<size - 1)
		v := extend(bits, uint(size))
		h.fastAC[p] = v<<16 | int32(run)<<8 | int32(l+size)
	}
}

// extend turns the size-bit magnitude category bits into a signed value
// (JPEG's EXTEND procedure).
func extend(bits int32, size uint) int32 {
	if bits < 1<<(size-1) {
		return bits - (1 << size) + 1
	}
	return bits
}

// bitReader reads the entropy-coded data of a scan, MSB first, removing the
// stuffed zero bytes after 0xFF. At a marker or at the end of the data it
// feeds zero bytes and counts them in fake, so the decoder can peek ahead
// without bounds checks and still notice truncated or corrupt data.
type bitReader struct {
	data []byte
	pos  int
	acc  uint64 // next bits, MSB-aligned
	n    uint   // number of valid bits in acc
	fake int    // zero bytes fed past the end of the segment
}

// reset starts reading at data[pos], discarding any buffered bits.
func (br *bitReader) reset(data []byte, pos int) {
	*br = bitReader{data: data, pos: pos}
}

// maxFake is how many zero bytes may be fed past the end of a segment
// before the data is deemed truncated or corrupt.
const maxFake = 64

// refill tops up acc to at least 57 bits.
func (br *bitReader) refill() {
	// Fast path: the next 8 bytes contain no 0xFF, so they can be taken
	// as they are.
	if br.pos+8 <= len(br.data) {
		x := binary.BigEndian.Uint64(br.data[br.pos:])
		if !hasFF(x) {
			nb := (64 - br.n) >> 3
			x &^= 1<<((8-nb)*8) - 1
			br.acc |= x >> br.n
			br.n += nb * 8
			br.pos += int(nb)
			return
		}
	}
	for br.n <= 56 {
		var b byte
		if br.pos < len(br.data) {
			b = br.data[br.pos]
			if b != 0xff {
				br.pos++
			} else if br.pos+1 < len(br.data) && br.data[br.pos+1] == 0 {
				br.pos += 2
			} else {
				b = 0 // a marker: stay in front of it
				br.fake++
			}
		} else {
			br.fake++
		}
		br.acc |= uint64(b) << (56 - br.n)
		br.n += 8
	}
}

// hasFF reports whether any byte of x is 0xFF.
func hasFF(x uint64) bool {
	y := ^x // 0xFF bytes become zero bytes
	return (y-0x0101010101010101)&^y&0x8080808080808080 != 0
}

// decode reads one Huffman symbol. The caller makes sure at least 16 bits
// are buffered. ok is false for a code the table does not define.
func (br *bitReader) decode(h *huffTable) (sym uint8, ok bool) {
	if e := h.lut[br.acc>>(64-lutBits)]; e != 0 {
		l := uint(e >> 8)
		br.acc <<= l
		br.n -= l
		return uint8(e), true
	}
	code := int32(br.acc >> 48)
	for l := uint(lutBits + 1); l <= 16; l++ {
		c := code >> (16 - l)
		if c <= h.maxcode[l] {
			br.acc <<= l
			br.n -= l
			return h.vals[(h.valptr[l]+c-h.mincode[l])&0xff], true
		}
	}
	return 0, false
}

// receive reads size extra bits and extends them to a signed value. The
// caller makes sure enough bits are buffered; size may be 0.
func (br *bitReader) receive(size uint) int32 {
	if size == 0 {
		return 0
	}
	bits := int32(br.acc >> (64 - size))
	br.acc <<= size
	br.n -= size
	return extend(bits, size)
}

// skip drops size bits.
func (br *bitReader) skip(size uint) {
	br.acc <<= size
	br.n -= size
}
