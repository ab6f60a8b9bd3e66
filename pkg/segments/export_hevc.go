package segments

import (
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
)

// nalRoles is what the export needs to know of an access unit's NAL units, for H.264 or H.265.
type nalRoles struct {
	vps, sps, pps []byte // the parameter sets it carries (vps only for H.265)
	key           bool   // an IDR picture (H.264) or an IRAP picture (H.265: IDR, CRA, BLA)
}

// classify finds the parameter sets and the keyframe slice among nalus.
func classify(nalus [][]byte, hevc bool) nalRoles {
	var r nalRoles
	for _, n := range nalus {
		if hevc {
			if len(n) < 2 {
				continue
			}
			switch t := h265.NALUType((n[0] >> 1) & 0x3f); {
			case t == h265.NALUType_VPS_NUT:
				r.vps = n
			case t == h265.NALUType_SPS_NUT:
				r.sps = n
			case t == h265.NALUType_PPS_NUT:
				r.pps = n
			case t >= h265.NALUType_BLA_W_LP && t <= h265.NALUType_CRA_NUT:
				r.key = true
			}
			continue
		}
		switch h264.NALUType(n[0] & 0x1f) {
		case h264.NALUTypeSPS:
			r.sps = n
		case h264.NALUTypePPS:
			r.pps = n
		case h264.NALUTypeIDR:
			r.key = true
		}
	}
	return r
}

// complete reports whether r has the parameter sets an init segment needs.
func (r nalRoles) complete(hevc bool) bool {
	return r.sps != nil && r.pps != nil && (!hevc || r.vps != nil)
}

// dropInSample reports whether NAL unit n is left out of MP4 samples (delimiters and filler).
func dropInSample(n []byte, hevc bool) bool {
	if hevc {
		t := h265.NALUType((n[0] >> 1) & 0x3f)
		return t == h265.NALUType_AUD_NUT || t == h265.NALUType_FD_NUT
	}
	t := h264.NALUType(n[0] & 0x1f)
	return t == h264.NALUTypeAccessUnitDelimiter || t == h264.NALUTypeFillerData
}

// spsFPS returns the frame rate the SPS declares, or 0.
func spsFPS(sps []byte, hevc bool) (float64, error) {
	if hevc {
		var s h265.SPS
		if err := s.Unmarshal(sps); err != nil {
			return 0, fmt.Errorf("the stream's H.265 sequence parameter set cannot be read: %w", err)
		}
		return s.FPS(), nil
	}
	var s h264.SPS
	if err := s.Unmarshal(sps); err != nil { // on success sps has at least 4 bytes, as avcC needs
		return 0, fmt.Errorf("the stream's H.264 sequence parameter set cannot be read: %w", err)
	}
	return s.FPS(), nil
}
