package worker

import "encoding/binary"

// RTPParamFilter is ParamFilter one RTP packet at a time (RFC 6184 payloads), before the depayloader:
// it drops the packets that carry only SPS, PPS, SEI or AUD NAL units a camera repeats between the
// slices of one picture, so rtph264depay can assemble whole access units itself (alignment=au) and hand
// each out as soon as the packet with the RTP marker bit arrives. Dropped packets would leave a gap in
// the sequence numbers, which the depayloader takes for packet loss, so the packets after one carry
// their number minus the packets dropped so far.
//
// A picture is the packets with one RTP timestamp up to the marker bit. A STAP-A is dropped when every
// NAL unit in it would be, else its repeats become filler data; fragmented (FU-A/B) parameter sets are
// never dropped.
//
// NewRTPParamFilter(true) reads H.265 payloads (RFC 7798) the same way: single NAL unit packets,
// aggregation packets (type 48) like STAP-A, fragmentation units (type 49) like FU-A, filler data type
// 38. It assumes no DONL fields (sprop-max-don-diff 0, what cameras send); with them an aggregation
// packet does not parse and goes on unchanged. Not safe for concurrent use: it lives on one streaming
// thread.
type RTPParamFilter struct {
	f       ParamFilter
	dropped uint16
}

// NewRTPParamFilter returns a filter for H.264 (RFC 6184) or, with h265, H.265 (RFC 7798) payloads.
func NewRTPParamFilter(h265 bool) *RTPParamFilter {
	return &RTPParamFilter{f: ParamFilter{H265: h265}}
}

// Keep reports whether the RTP packet pkt (header and payload) goes on to the depayloader, and the
// sequence number it must carry then. A STAP-A that holds repeats besides other NAL units is kept with
// the repeats turned into filler data NAL units of the same size (type 12, which neither the
// depayloader nor the parser takes for the start of a picture), written into pkt; filled says so. A
// packet it cannot parse goes on unchanged but renumbered.
func (r *RTPParamFilter) Keep(pkt []byte) (keep bool, seq uint16, filled bool) {
	if len(pkt) < 12 {
		return true, 0, false
	}
	seq = binary.BigEndian.Uint16(pkt[2:]) - r.dropped
	payload, marker, ts, ok := rtpPayload(pkt)
	if !ok || len(payload) == 0 {
		return true, seq, false
	}
	keep, filled = r.keepPayload(payload, int64(ts), marker)
	if !keep {
		r.dropped++
	}
	return keep, seq, filled
}

func (r *RTPParamFilter) keepPayload(p []byte, ts int64, marker bool) (keep, filled bool) {
	if r.f.H265 {
		return r.keepH265(p, ts, marker)
	}
	switch t := p[0] & 0x1f; {
	case t >= 1 && t <= 23: // a single NAL unit
		return r.f.Keep(p, ts, marker), false
	case t == 24: // STAP-A: 16-bit size, NAL unit, …
		return r.keepAggregate(p, 1, ts, marker)
	case (t == 28 || t == 29) && len(p) >= 2: // FU-A/B: only the first fragment says the type
		if nt := p[1] & 0x1f; p[1]&0x80 != 0 && (nt == 1 || nt == 5) {
			r.f.Keep([]byte{p[0]&0xe0 | nt}, ts, marker)
		} else {
			r.f.observe(ts, marker)
		}
		return true, false
	}
	r.f.observe(ts, marker)
	return true, false
}

// keepH265 is keepPayload for an RFC 7798 payload (two-byte payload header, the type in bits 1–6).
func (r *RTPParamFilter) keepH265(p []byte, ts int64, marker bool) (keep, filled bool) {
	if len(p) < 2 {
		r.f.observe(ts, marker)
		return true, false
	}
	switch t := (p[0] >> 1) & 0x3f; {
	case t < 48: // a single NAL unit
		return r.f.Keep(p, ts, marker), false
	case t == 48: // aggregation packet: 16-bit size, NAL unit, …
		return r.keepAggregate(p, 2, ts, marker)
	case t == 49 && len(p) >= 3: // fragmentation unit: only the first fragment says the type
		if nt := p[2] & 0x3f; p[2]&0x80 != 0 && nt < 32 {
			r.f.Keep([]byte{p[0]&0x81 | nt<<1, p[1]}, ts, marker)
		} else {
			r.f.observe(ts, marker)
		}
		return true, false
	}
	r.f.observe(ts, marker)
	return true, false
}

// keepAggregate filters an aggregation packet (H.264 STAP-A, H.265 AP) whose NAL units start after a
// payload header of hl bytes.
func (r *RTPParamFilter) keepAggregate(p []byte, hl int, ts int64, marker bool) (keep, filled bool) {
	var repeats [][]byte
	rest := p[hl:]
	for len(rest) >= 2 {
		n := int(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
		if n == 0 || n > len(rest) {
			return true, false // malformed: the depayloader decides
		}
		if r.f.Keep(rest[:n], ts, marker && n == len(rest)) {
			keep = true
		} else {
			repeats = append(repeats, rest[:n])
		}
		rest = rest[n:]
	}
	if !keep || len(repeats) == 0 {
		return keep || len(p) < hl+3, false
	}
	for _, n := range repeats {
		filler(n, r.f.H265)
	}
	return true, true
}

// filler overwrites the NAL unit n with a filler data NAL unit of the same size: header (H.264 type
// 12; H.265 type 38 with n's layer and temporal id), 0xff bytes, the RBSP stop bit. Neither the
// depayloader nor the parser takes filler data for the start of a picture.
func filler(n []byte, h265 bool) {
	start := 1
	if h265 && len(n) >= 2 {
		n[0], start = 38<<1|n[0]&0x01, 2
	} else {
		n[0] = 12
	}
	for i := start; i < len(n); i++ {
		n[i] = 0xff
	}
	if len(n) > start {
		n[len(n)-1] = 0x80
	}
}

// rtpPayload returns the payload of the RTP packet pkt (RFC 3550: CSRCs, header extension and padding
// removed), its marker bit and its timestamp.
func rtpPayload(pkt []byte) (payload []byte, marker bool, ts uint32, ok bool) {
	if len(pkt) < 12 || pkt[0]>>6 != 2 {
		return nil, false, 0, false
	}
	marker, ts = pkt[1]&0x80 != 0, binary.BigEndian.Uint32(pkt[4:])
	off := 12 + 4*int(pkt[0]&0x0f)
	if pkt[0]&0x10 != 0 { // header extension
		if len(pkt) < off+4 {
			return nil, false, 0, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(pkt[off+2:]))
	}
	end := len(pkt)
	if pkt[0]&0x20 != 0 && end > 0 { // padding
		end -= int(pkt[end-1])
	}
	if off > end {
		return nil, false, 0, false
	}
	return pkt[off:end], marker, ts, true
}
