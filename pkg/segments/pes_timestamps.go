package segments

import "time"

// ptsWrap is where the 33-bit MPEG timestamps wrap around.
const ptsWrap = 1 << 33

// ticksPerSecond is the MPEG system clock rate of PTS and DTS.
const ticksPerSecond = 90000

// pesHeader describes the start of a PES packet: its timestamps and where its payload begins.
type pesHeader struct {
	pts, dts int64 // raw 33-bit values; dts == pts when the stream sent no DTS
	hasPTS   bool
	payload  int // offset of the elementary-stream data after the header
}

// parsePESHeader reads the PES header at the start of b (the payload of a packet with PUSI set).
// ok is false when b does not start a PES packet with an optional header that fits in b.
func parsePESHeader(b []byte) (h pesHeader, ok bool) {
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
	h.payload = 9 + hl
	if flags&2 != 0 && hl >= 5 {
		h.pts, h.hasPTS = readTimestamp(b[9:14]), true
		h.dts = h.pts
		if flags == 3 && hl >= 10 {
			h.dts = readTimestamp(b[14:19])
		}
	}
	return h, true
}

// readTimestamp decodes a 5-byte PTS or DTS field.
func readTimestamp(b []byte) int64 {
	return int64(b[0]>>1&0x07)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}

// tickDiff returns a−b for two raw 33-bit timestamps, taking the shorter way around the wrap.
func tickDiff(a, b int64) int64 {
	d := (a - b) & (ptsWrap - 1)
	if d >= ptsWrap/2 {
		d -= ptsWrap
	}
	return d
}

// ticksToDuration converts 90 kHz ticks to a time.Duration.
func ticksToDuration(t int64) time.Duration {
	return time.Duration(t * 100000 / 9) // 1 tick = 100000/9 ns
}

// durationToTicks converts a time.Duration to 90 kHz ticks.
func durationToTicks(d time.Duration) int64 {
	return int64(d) * 9 / 100000
}
