package gstpipe

import (
	"fmt"

	"github.com/go-gst/go-gst/gst"

	"github.com/nvrproject/nvr/internal/worker"
)

// filterParamsOn puts a worker.ParamFilter on the output of the depayloader of that name when it hands
// out one NAL unit per buffer (Annex-B; NVR_DEPAY_ALIGNMENT=nal), dropping the parameter sets, SEI and
// AUD a camera repeats between the slices of one picture, before the parser assembles access units.
func filterParamsOn(p *gst.Pipeline, name string, h265 bool) error {
	depay, err := p.GetElementByName(name)
	if err != nil {
		return err
	}
	pad := depay.GetStaticPad("src")
	if pad == nil {
		return fmt.Errorf("the depayloader has no src pad")
	}
	f := worker.ParamFilter{H265: h265} // used only on the depayloader's streaming thread
	pad.AddProbe(gst.PadProbeTypeBuffer, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		buf := info.GetBuffer()
		if buf == nil {
			return gst.PadProbeOK
		}
		size := buf.GetSize()
		head := buf.Extract(0, min(size, 8))
		sc := startCode(head)
		if sc < 0 || sc >= len(head) {
			return gst.PadProbeOK
		}
		nalu := head[sc:]
		if isParamSetNAL(nalu, h265) {
			if size > 4096 { // not a parameter set anyone repeats; leave it alone
				return gst.PadProbeOK
			}
			nalu = buf.Extract(int64(sc), size-int64(sc))
		}
		pts := int64(-1)
		if ts := buf.PresentationTimestamp(); ts != gst.ClockTimeNone {
			pts = int64(ts)
		}
		if f.Keep(nalu, pts, buf.HasFlags(gst.BufferFlagMarker)) {
			return gst.PadProbeOK
		}
		return gst.PadProbeDrop
	})
	return nil
}

// isParamSetNAL reports whether nalu is an H.264 SPS/PPS or an H.265 VPS/SPS/PPS.
func isParamSetNAL(nalu []byte, h265 bool) bool {
	if h265 {
		t := (nalu[0] >> 1) & 0x3f
		return t >= 32 && t <= 34
	}
	t := nalu[0] & 0x1f
	return t == 7 || t == 8
}

// startCode returns the length of the Annex-B start code b begins with, or -1.
func startCode(b []byte) int {
	switch {
	case len(b) >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 1:
		return 4
	case len(b) >= 3 && b[0] == 0 && b[1] == 0 && b[2] == 1:
		return 3
	}
	return -1
}
