package worker

import "bytes"

// ParamFilter drops the parameter sets, SEI and AUD NAL units a camera sends between the slices of one
// picture. Several cameras (and rtph264pay config-interval=-1 on a sliced stream) repeat SPS and PPS
// before every IDR slice; by the H.264 rules a parameter set after a slice starts a new access unit, so
// h264parse would cut the picture in two and each half would leave as its own "frame" (the first without
// a timestamp). The repeats are copies of the parameter sets before the picture's first slice, so
// dropping them loses nothing; a parameter set that differs from the last one seen is kept.
//
// H.265 has the same rule (H.265 7.4.2.4.4: a VPS, SPS, PPS, prefix SEI or AUD after the last slice
// segment of a picture starts the next access unit), and rtph265depay and h265parse cut there alike:
// with H265 set the filter reads H.265 NAL unit headers (RFC 7798: two bytes, the type in bits 1–6 of
// the first) and drops the VPS (32), SPS (33) and PPS (34) repeated inside a picture, and AUD (35) and
// prefix SEI (39) there; slice segments are types 0–31.
//
// It sees the NAL units in order, one at a time (RTPParamFilter, before the depayloader, or the
// depayloader's output with alignment=nal). Not safe for concurrent use: it lives on one streaming thread.
type ParamFilter struct {
	H265      bool
	inPicture bool      // a slice of the current picture was seen
	pts       int64     // the current picture's timestamp
	last      [3][]byte // the latest parameter sets: H.264 SPS, PPS; H.265 VPS, SPS, PPS
}

// NAL unit classes the filter tells apart.
const (
	nalOther  = iota
	nalSlice  // a coded slice (segment)
	nalParams // a parameter set (its slot in ParamFilter.last is the second result of class)
	nalExtra  // AUD or (prefix) SEI: dropped inside a picture
)

// class says what the NAL unit (without start code) is, and a parameter set's slot.
func (f *ParamFilter) class(nalu []byte) (int, int) {
	if f.H265 {
		switch t := (nalu[0] >> 1) & 0x3f; {
		case t < 32:
			return nalSlice, 0
		case t >= 32 && t <= 34:
			return nalParams, int(t - 32)
		case t == 35 || t == 39:
			return nalExtra, 0
		}
		return nalOther, 0
	}
	switch t := nalu[0] & 0x1f; t {
	case 1, 5:
		return nalSlice, 0
	case 7, 8:
		return nalParams, int(t - 7)
	case 6, 9:
		return nalExtra, 0
	}
	return nalOther, 0
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
	switch c, slot := f.class(nalu); c {
	case nalSlice:
		f.inPicture, f.pts = true, pts
	case nalParams:
		last := &f.last[slot]
		if f.inPicture && bytes.Equal(*last, nalu) {
			keep = false
		} else {
			*last = append((*last)[:0], nalu...)
		}
	case nalExtra:
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
