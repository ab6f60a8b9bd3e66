package worker

import "testing"

func TestParamFilterDropsRepeatsInsideAPicture(t *testing.T) {
	sps, pps := []byte{0x67, 1, 2, 3}, []byte{0x68, 4, 5}
	idr0, idr1 := []byte{0x65, 0x88, 1}, []byte{0x65, 0x40, 2} // first_mb 0, then not 0
	p0, p1 := []byte{0x41, 0x9a, 3}, []byte{0x41, 0x40, 4}
	aud := []byte{0x09, 0xf0}
	otherSPS := []byte{0x67, 9, 9}
	type nal struct {
		b      []byte
		pts    int64
		marker bool
		keep   bool
	}
	stream := []nal{
		{aud, 0, false, true}, {sps, 0, false, true}, {pps, 0, false, true}, {idr0, 0, false, true},
		{sps, 0, false, false}, {pps, 0, false, false}, {idr1, 0, true, true},
		{p0, 3600, false, true}, {aud, 3600, false, false}, {p1, 3600, true, true},
		// The next picture's parameter sets (new timestamp) are kept.
		{sps, 7200, false, true}, {pps, 7200, false, true}, {idr0, 7200, false, true},
		// A parameter set that differs is never dropped.
		{otherSPS, 7200, false, true}, {idr1, 7200, false, true},
		// Without a marker bit, the timestamp still tells the next picture.
		{sps, 10800, false, true}, {idr0, 10800, false, true},
	}
	var f ParamFilter
	for i, n := range stream {
		if got := f.Keep(n.b, n.pts, n.marker); got != n.keep {
			t.Fatalf("NAL %d (type %d, pts %d): keep %v, want %v", i, n.b[0]&0x1f, n.pts, got, n.keep)
		}
	}
}

// h265NAL is an H.265 NAL unit of type t (two-byte header, layer 0, temporal id 0) with payload.
func h265NAL(t byte, payload ...byte) []byte { return append([]byte{t << 1, 1}, payload...) }

func TestParamFilterH265DropsRepeatsInsideAPicture(t *testing.T) {
	vps, sps, pps := h265NAL(32, 1, 2), h265NAL(33, 3, 4), h265NAL(34, 5)
	idr0, idr1 := h265NAL(19, 0x80, 1), h265NAL(19, 0x00, 2) // first_slice_segment_in_pic_flag 1, then 0
	trail0, trail1 := h265NAL(1, 0x80, 3), h265NAL(1, 0x00, 4)
	aud, sei, suffixSEI := h265NAL(35, 0x50), h265NAL(39, 9), h265NAL(40, 9)
	otherPPS := h265NAL(34, 7)
	type nal struct {
		b      []byte
		pts    int64
		marker bool
		keep   bool
	}
	stream := []nal{
		{aud, 0, false, true}, {vps, 0, false, true}, {sps, 0, false, true}, {pps, 0, false, true}, {sei, 0, false, true},
		{idr0, 0, false, true},
		// The same VPS/SPS/PPS again before the second slice segment, with a prefix SEI and an AUD.
		{vps, 0, false, false}, {sps, 0, false, false}, {pps, 0, false, false}, {sei, 0, false, false}, {aud, 0, false, false},
		{idr1, 0, false, true}, {suffixSEI, 0, true, true},
		{trail0, 3600, false, true}, {trail1, 3600, true, true},
		// The next picture's parameter sets (new timestamp) are kept, and one that differs always is.
		{vps, 7200, false, true}, {idr0, 7200, false, true}, {otherPPS, 7200, false, true}, {idr1, 7200, true, true},
	}
	f := ParamFilter{H265: true}
	for i, n := range stream {
		if got := f.Keep(n.b, n.pts, n.marker); got != n.keep {
			t.Fatalf("NAL %d (type %d, pts %d): keep %v, want %v", i, n.b[0]>>1, n.pts, got, n.keep)
		}
	}
	// Read as H.264, the same bytes are other NAL unit types: the codec matters.
	var h264 ParamFilter
	h264.Keep(idr0, 0, false)
	if !h264.Keep(vps, 0, false) {
		t.Fatal("an H.264 filter dropped an H.265 VPS: it does not read H.265 headers")
	}
}
