package worker

import (
	"encoding/binary"
	"testing"
)

// rtp builds an RTP packet (version 2, payload type 96) with sequence number seq, timestamp ts and the
// marker bit, carrying payload.
func rtp(seq uint16, ts uint32, marker bool, payload ...byte) []byte {
	h := make([]byte, 12, 12+len(payload))
	h[0], h[1] = 0x80, 96
	if marker {
		h[1] |= 0x80
	}
	binary.BigEndian.PutUint16(h[2:], seq)
	binary.BigEndian.PutUint32(h[4:], ts)
	return append(h, payload...)
}

func stapA(nalus ...[]byte) []byte {
	out := []byte{0x18}
	for _, n := range nalus {
		out = binary.BigEndian.AppendUint16(out, uint16(len(n)))
		out = append(out, n...)
	}
	return out
}

func TestRTPParamFilterDropsRepeatsAndRenumbers(t *testing.T) {
	sps, pps := []byte{0x67, 1, 2, 3}, []byte{0x68, 4, 5}
	idr0, idr1 := []byte{0x65, 0x88, 1}, []byte{0x65, 0x40, 2}
	fuStart, fuEnd := []byte{0x7c, 0x85, 0x88, 1}, []byte{0x7c, 0x45, 2} // an IDR slice in two FU-A fragments
	aud := []byte{0x09, 0xf0}
	type pkt struct {
		b       []byte
		keep    bool
		wantSeq uint16
	}
	stream := []pkt{
		// Picture 1: parameter sets in a STAP-A, a slice, the same parameter sets again (single NAL
		// units, then a STAP-A), the last slice with the marker.
		{rtp(100, 0, false, stapA(sps, pps)...), true, 100},
		{rtp(101, 0, false, idr0...), true, 101},
		{rtp(102, 0, false, sps...), false, 0},
		{rtp(103, 0, false, pps...), false, 0},
		{rtp(104, 0, false, stapA(sps, pps)...), false, 0},
		{rtp(105, 0, false, fuStart...), true, 102},
		{rtp(106, 0, false, aud...), false, 0},
		{rtp(107, 0, true, fuEnd...), true, 103},
		// Picture 2: its leading AUD and parameter sets are kept.
		{rtp(108, 3600, false, aud...), true, 104},
		{rtp(109, 3600, false, stapA(sps, pps)...), true, 105},
		{rtp(110, 3600, false, fuStart...), true, 106},
		// A new SPS inside a picture is kept; a STAP-A with a repeat and a slice is kept with the
		// repeat turned into filler data.
		{rtp(111, 3600, false, []byte{0x67, 9, 9}...), true, 107},
		{rtp(112, 3600, true, stapA(pps, idr1)...), true, 108},
		// Without the marker bit, a new timestamp still starts the next picture.
		{rtp(113, 7200, false, idr0...), true, 109},
		{rtp(114, 10800, false, pps...), true, 110},
	}
	var f RTPParamFilter
	for i, p := range stream {
		keep, seq, filled := f.Keep(p.b)
		if keep != p.keep || (keep && seq != p.wantSeq) {
			t.Fatalf("packet %d: keep %v seq %d, want keep %v seq %d", i, keep, seq, p.keep, p.wantSeq)
		}
		if filled != (i == 12) {
			t.Fatalf("packet %d: filled %v", i, filled)
		}
	}
	// The repeated PPS of packet 12 (STAP-A: size, PPS, size, slice) is filler of its size now; the
	// slice is untouched.
	got := stream[12].b[12:]
	want := stapA([]byte{0x0c, 0xff, 0x80}, idr1)
	if string(got) != string(want) {
		t.Fatalf("STAP-A after the filter: %x, want %x", got, want)
	}
}

func TestRTPPayloadSkipsCSRCsExtensionAndPadding(t *testing.T) {
	pkt := []byte{0xb1, 0xe0, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4, // V2, padding, extension, 1 CSRC; marker, PT 96
		5, 6, 7, 8, // CSRC
		0xbe, 0xde, 0, 1, 1, 2, 3, 4, // extension of one word
		0x65, 0x88, // payload
		0, 0, 3} // 3 bytes of padding
	payload, marker, ts, ok := rtpPayload(pkt)
	if !ok || !marker || ts != 9 || string(payload) != "\x65\x88" {
		t.Fatalf("payload %x marker %v ts %d ok %v", payload, marker, ts, ok)
	}
	if _, _, _, ok := rtpPayload(pkt[:14]); ok {
		t.Fatal("a packet cut inside its CSRCs parsed")
	}
}

// ap is an H.265 aggregation packet (RFC 7798 type 48) of the NAL units.
func ap(nalus ...[]byte) []byte {
	out := []byte{48 << 1, 1}
	for _, n := range nalus {
		out = binary.BigEndian.AppendUint16(out, uint16(len(n)))
		out = append(out, n...)
	}
	return out
}

func TestRTPParamFilterH265DropsRepeatsAndRenumbers(t *testing.T) {
	vps, sps, pps := h265NAL(32, 1, 2), h265NAL(33, 3, 4), h265NAL(34, 5, 6)
	// An IDR slice segment in two fragmentation units (type 49, FU header S/E + type 19), and a
	// second slice segment as a single NAL unit.
	fuStart, fuEnd := []byte{49 << 1, 1, 0x80 | 19, 0x80, 1}, []byte{49 << 1, 1, 0x40 | 19, 2}
	idr1 := h265NAL(19, 0x00, 3)
	type pkt struct {
		b       []byte
		keep    bool
		wantSeq uint16
	}
	stream := []pkt{
		{rtp(10, 0, false, ap(vps, sps, pps)...), true, 10},
		{rtp(11, 0, false, fuStart...), true, 11},
		{rtp(12, 0, false, fuEnd...), true, 12},
		// x265/camera-style repeats before the next slice segment: an AP of all three is dropped.
		{rtp(13, 0, false, ap(vps, sps, pps)...), false, 0},
		{rtp(14, 0, false, sps...), false, 0},
		// A repeat aggregated with the slice segment becomes filler data (type 38).
		{rtp(15, 0, true, ap(pps, idr1)...), true, 13},
		// The next picture's parameter sets are kept.
		{rtp(16, 3600, false, ap(vps, sps, pps)...), true, 14},
		{rtp(17, 3600, true, fuStart...), true, 15},
	}
	f := NewRTPParamFilter(true)
	for i, p := range stream {
		keep, seq, filled := f.Keep(p.b)
		if keep != p.keep || (keep && seq != p.wantSeq) {
			t.Fatalf("packet %d: keep %v seq %d, want keep %v seq %d", i, keep, seq, p.keep, p.wantSeq)
		}
		if filled != (i == 5) {
			t.Fatalf("packet %d: filled %v", i, filled)
		}
	}
	got := stream[5].b[12:]
	want := ap([]byte{38 << 1, 1, 0xff, 0x80}, idr1)
	if string(got) != string(want) {
		t.Fatalf("AP after the filter: %x, want %x", got, want)
	}
}
