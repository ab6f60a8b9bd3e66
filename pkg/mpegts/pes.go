package mpegts

// PESHeader describes the start of a PES packet: its timestamps and where its payload begins.
type PESHeader struct {
	PTS, DTS int64 // raw 33-bit values; DTS == PTS when the stream sent no DTS
	HasPTS   bool
	Payload  int // offset of the elementary-stream data after the header
}

// ParsePES reads the PES header at the start of b (the payload of a packet with PUSI set). ok is false
// when b does not start a PES packet with an optional header that fits in b.
func ParsePES(b []byte) (h PESHeader, ok bool) {
	if len(b) < 9 || b[0] != 0 || b[1] != 0 || b[2] != 1 {
		return h, false
	}
	switch b[3] { // stream ids that have no optional PES header
	case 0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff:
		return h, false
	}
	if b[6]&0xc0 != 0x80 {
		return h, false
	}
	flags, hl := b[7]>>6, int(b[8])
	if 9+hl > len(b) {
		return h, false
	}
	h.Payload = 9 + hl
	if flags&2 != 0 && hl >= 5 {
		h.PTS, h.HasPTS = readTimestamp(b[9:14]), true
		h.DTS = h.PTS
		if flags == 3 && hl >= 10 {
			h.DTS = readTimestamp(b[14:19])
		}
	}
	return h, true
}

// readTimestamp decodes a 5-byte PTS or DTS field.
func readTimestamp(b []byte) int64 {
	return int64(b[0]>>1&0x07)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}
