package gstpipe

import (
	"encoding/binary"
	"fmt"

	"github.com/go-gst/go-gst/gst"

	"github.com/nvrproject/nvr/internal/worker"
)

// filterParamsAt puts the parameter-set filter on the depayloader of that name for codec (H.264 or
// H.265): on its RTP input (filterParamsRTP) when it assembles access units, on its output
// (filterParamsOn) when it hands out single NAL units (nalAligned).
func filterParamsAt(p *gst.Pipeline, name, codec string) error {
	h265 := codec == worker.CodecH265
	if nalAligned() {
		return filterParamsOn(p, name, h265)
	}
	return filterParamsRTP(p, name, h265)
}

// maxFilteredPacket is the largest RTP packet filterParamsRTP reads whole; a larger one (no camera
// sends one over a 1500-byte network, but TCP-interleaved RTP may) is only looked at by its first bytes.
const maxFilteredPacket = 4096

// filterParamsRTP puts a worker.RTPParamFilter on the depayloader's RTP input: packets carrying only
// the SPS/PPS/SEI/AUD a camera repeats between the slices of one picture are dropped there, so
// rtph264depay (alignment=au), which would end the picture at such a NAL unit, assembles it whole and
// hands it out on the marker bit. The packets after a dropped one are renumbered so the depayloader
// sees no gap (a gap is packet loss to it), and repeats aggregated with a slice in one STAP-A become
// filler data. A buffer that is not writable (nothing upstream keeps one today) goes on unchanged.
func filterParamsRTP(p *gst.Pipeline, name string, h265 bool) error {
	depay, err := p.GetElementByName(name)
	if err != nil {
		return err
	}
	pad := depay.GetStaticPad("sink")
	if pad == nil {
		return fmt.Errorf("the depayloader has no sink pad")
	}
	f := worker.NewRTPParamFilter(h265) // used only on the depayloader's streaming thread
	var scratch [maxFilteredPacket]byte // likewise
	pad.AddProbe(gst.PadProbeTypeBuffer, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		buf := info.GetBuffer()
		if buf == nil {
			return gst.PadProbeOK
		}
		n, size := peekBuffer(buf, scratch[:64])
		pkt := scratch[:n]
		if len(pkt) < 12 {
			return gst.PadProbeOK
		}
		if size > n && size <= maxFilteredPacket && len(pkt) >= 13 && wantsWhole(pkt, h265) {
			n, _ = peekBuffer(buf, scratch[:size])
			pkt = scratch[:n]
		}
		old := binary.BigEndian.Uint16(pkt[2:])
		keep, seq, filled := f.Keep(pkt)
		if !keep {
			return gst.PadProbeDrop
		}
		if filled || seq != old {
			binary.BigEndian.PutUint16(pkt[2:], seq)
			if !filled {
				pkt = pkt[:4]
			}
			pokeBuffer(buf, pkt) // a buffer that is not writable goes on unchanged
		}
		return gst.PadProbeOK
	})
	return nil
}

// wantsWhole reports whether the filter needs more of the packet than its first bytes: a parameter
// set (compared byte for byte) or an aggregation packet (its NAL units; H.264 STAP-A, H.265 AP).
// Fragments and slices are told by their first payload bytes.
func wantsWhole(head []byte, h265 bool) bool {
	off := 12 + 4*int(head[0]&0x0f)
	if head[0]&0x10 != 0 {
		return true // a header extension: its length is past the first bytes, maybe
	}
	if off >= len(head) {
		return true
	}
	if h265 {
		t := (head[off] >> 1) & 0x3f
		return (t >= 32 && t <= 34) || t == 48
	}
	switch head[off] & 0x1f {
	case 7, 8, 24:
		return true
	}
	return false
}
