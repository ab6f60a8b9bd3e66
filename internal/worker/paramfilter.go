package worker

import "bytes"

// ParamFilter drops the SPS, PPS, SEI and AUD NAL units a camera sends between the slices of one
// picture. Several cameras (and rtph264pay config-interval=-1 on a sliced stream) repeat SPS and PPS
// before every IDR slice; by the H.264 rules a parameter set after a slice starts a new access unit, so
// h264parse would cut the picture in two and each half would leave as its own "frame" (the first without
// a timestamp). The repeats are copies of the parameter sets before the picture's first slice, so
// dropping them loses nothing; a parameter set that differs from the last one seen is kept.
//
// It sees the NAL units in order, one at a time (RTPParamFilter, before the depayloader, or the
// depayloader's output with alignment=nal). Not safe for concurrent use: it lives on one streaming thread.
type ParamFilter struct {
	inPicture bool  // a slice of the current picture was seen
	pts       int64 // the current picture's timestamp
	sps, pps  []byte
}

// Keep reports whether the NAL unit (without start code) with timestamp pts goes on; marker says it
// is the last of its picture (the RTP marker bit).
func (f *ParamFilter) Keep(nalu []byte, pts int64, marker bool) bool {
	if len(nalu) == 0 {
		return true
	}
	if f.inPicture && pts != f.pts {
		f.inPicture = false // a new picture
	}
	keep := true
	switch t := nalu[0] & 0x1f; t {
	case 1, 5: // slices
		f.inPicture, f.pts = true, pts
	case 7, 8:
		last := &f.sps
		if t == 8 {
			last = &f.pps
		}
		if f.inPicture && bytes.Equal(*last, nalu) {
			keep = false
		} else {
			*last = append((*last)[:0], nalu...)
		}
	case 6, 9:
		keep = !f.inPicture
	}
	if marker {
		f.inPicture = false
	}
	return keep
}

// observe notes a piece of a picture that is neither a slice start nor a parameter set (a later
// fragment of a slice, say) with timestamp pts: a new timestamp or the marker bit ends the picture.
func (f *ParamFilter) observe(pts int64, marker bool) {
	if marker || (f.inPicture && pts != f.pts) {
		f.inPicture = false
	}
}
