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
