package jpegscale

import (
	"encoding/binary"
	"fmt"
)

// peekBits is how many bits the lookup tables resolve at once; longer codes are decoded
// bit length by bit length.
const peekBits = 10

// huffman is one Huffman table from a DHT segment.
type huffman struct {
	// look maps the next peekBits bits to length<<8 | symbol, 0 for a longer code.
	look [1 << peekBits]uint16
	// coef (AC tables only) maps the next peekBits bits to a whole coefficient when the
	// code and its magnitude bits both fit: value<<16 | (run+1)<<8 | bits used. 0 if not.
	coef [1 << peekBits]int32
	// skip (AC tables only) maps the next peekBits bits to step<<8 | bits used for a
	// coefficient whose value is not needed: step is how far the zigzag index moves
	// (run+1, 16 for ZRL, 64 for end of block). 0 for a longer code.
	skip [1 << peekBits]uint16
	// Canonical decoding of long codes: codes of length l run from first[l] to last[l]
	// (last < first when there are none) and start at symbol index base[l].
	first, last, base [17]int32
	symbols           [256]uint8
	ok                bool
}

// build fills the table from a DHT segment's counts (counts[i] codes of length i+1).
func (h *huffman) build(counts *[16]uint8, syms []byte, ac bool) error {
	*h = huffman{}
	copy(h.symbols[:], syms)
	code, idx := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		h.first[l], h.last[l], h.base[l] = code, code+n-1, idx
		if code+n > 1<<l {
			return fmt.Errorf("%w: Huffman table overflows at length %d", ErrCorrupt, l)
		}
		if l <= peekBits {
			for i := range n {
				c := (code + i) << (peekBits - l)
				e := uint16(l)<<8 | uint16(syms[idx+i])
				for j := range int32(1) << (peekBits - l) {
					h.look[c+j] = e
				}
			}
		}
		code = (code + n) << 1
		idx += n
	}
	if ac {
		for p, e := range h.look {
			if e == 0 {
				continue
			}
			l, rs := int32(e>>8), int32(e&0xff)
			run, size := rs>>4, rs&15
			step := run + 1
			if size == 0 {
				step = 64
				if run == 15 {
					step = 16
				}
			}
			h.skip[p] = uint16(step)<<8 | uint16(l+size)
			if size != 0 && l+size <= peekBits {
				bits := int32(p>>(peekBits-l-size)) & (1<<size - 1)
				h.coef[p] = extend(bits, uint(size))<<16 | (run+1)<<8 | (l + size)
			}
		}
	}
	h.ok = true
	return nil
}

// extend turns size magnitude bits into the signed value they code.
func extend(bits int32, size uint) int32 {
	if bits < 1<<(size-1) {
		return bits + 1 - 1<<size
	}
	return bits
}

// bits reads entropy-coded data MSB first, dropping the zero byte stuffed after each
// 0xFF. At a marker or the end of the data it supplies zero bytes, counting them in
// over, so callers may read ahead without checks and detect truncation afterwards.
type bits struct {
	data []byte
	pos  int
	acc  uint64 // buffered bits, MSB-aligned
	n    uint   // how many bits of acc are valid
	over int    // zero bytes supplied past the end of the data
}

// maxOver is how many made-up zero bytes a scan may consume before it is deemed truncated.
const maxOver = 64

func (b *bits) reset(data []byte, pos int) { *b = bits{data: data, pos: pos} }

// fill tops the buffer up to at least 57 bits.
func (b *bits) fill() {
	if b.pos+8 <= len(b.data) {
		x := binary.BigEndian.Uint64(b.data[b.pos:])
		// Any 0xFF byte among the eight? (^x has a zero byte there.)
		y := ^x
		if (y-0x0101010101010101)&^y&0x8080808080808080 == 0 {
			k := (64 - b.n) / 8
			b.acc |= (x &^ (1<<(64-8*k) - 1)) >> b.n
			b.n += 8 * k
			b.pos += int(k)
			return
		}
	}
	for b.n <= 56 {
		var c byte
		switch {
		case b.pos >= len(b.data):
			b.over++
		case b.data[b.pos] != 0xff:
			c = b.data[b.pos]
			b.pos++
		case b.pos+1 < len(b.data) && b.data[b.pos+1] == 0:
			c = 0xff
			b.pos += 2
		default: // a marker: stay before it
			b.over++
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

// symbol decodes one Huffman symbol; at least 16 bits must be buffered.
func (b *bits) symbol(h *huffman) (byte, bool) {
	if e := h.look[b.acc>>(64-peekBits)]; e != 0 {
		l := uint(e >> 8)
		b.acc <<= l
		b.n -= l
		return byte(e), true
	}
	for l := uint(peekBits + 1); l <= 16; l++ {
		c := int32(b.acc >> (64 - l))
		if c <= h.last[l] && c >= h.first[l] {
			b.acc <<= l
			b.n -= l
			return h.symbols[(h.base[l]+c-h.first[l])&0xff], true
		}
	}
	return 0, false
}

// value reads size magnitude bits (0..16) and returns the signed value; they must be
// buffered.
func (b *bits) value(size uint) int32 {
	if size == 0 {
		return 0
	}
	v := int32(b.acc >> (64 - size))
	b.acc <<= size
	b.n -= size
	return extend(v, size)
}

func (b *bits) drop(n uint) {
	b.acc <<= n
	b.n -= n
}
