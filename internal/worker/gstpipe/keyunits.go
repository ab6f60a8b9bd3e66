package gstpipe

import (
	"fmt"

	"github.com/go-gst/go-gst/gst"
)

// keyUnitsSegment marks the keyframe branch's segment "key units only" (GST_SEGMENT_FLAG_TRICKMODE_KEY_UNITS),
// which is what that branch is. A decoder holds pictures back for reordering as the SPS allows (two for a
// camera with B-frames); fed only keyframes it would hand out each keyframe's picture two keyframes late
// (4–8 s). In a key-units segment GstVideoDecoder drains at each gap event, and the identity that drops
// the delta frames sends a gap for each, so every keyframe comes out as soon as the next frame arrives.
func keyUnitsSegment(p *gst.Pipeline) error { return keyUnitsSegmentOn(p, "keyonly") }

// keyUnitsSegmentOn is keyUnitsSegment on the delta-dropping identity of that name.
func keyUnitsSegmentOn(p *gst.Pipeline, name string) error {
	id, err := p.GetElementByName(name)
	if err != nil {
		return err
	}
	pad := id.GetStaticPad("src")
	if pad == nil {
		return fmt.Errorf("identity has no src pad")
	}
	pad.AddProbe(gst.PadProbeTypeEventDownstream, func(pad *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		ev := info.GetEvent()
		if ev == nil || ev.Type() != gst.EventTypeSegment {
			return gst.PadProbeOK
		}
		seg := ev.ParseSegment()
		if seg.GetFlags()&gst.SegmentFlagKeyUnits != 0 {
			return gst.PadProbeOK // ours, or already so
		}
		seg = seg.Copy()
		seg.SetFlags(seg.GetFlags() | gst.SegmentFlagKeyUnits)
		pad.PushEvent(gst.NewSegmentEvent(seg))
		return gst.PadProbeDrop
	})
	return nil
}

// fromKeyframe drops the access units before the first keyframe at the tee, so the FIFO and the
// keyframe branch start at a keyframe. The parser held back pictures until it had the SPS and PPS,
// which most cameras send only before an IDR; a camera that sends them only in the SDP
// (sprop-parameter-sets) gives them to the parser at once, and without this the FIFO would start with
// the delta pictures of the GOP the worker joined.
func fromKeyframe(p *gst.Pipeline) error {
	tee, err := p.GetElementByName("t")
	if err != nil {
		return err
	}
	pad := tee.GetStaticPad("sink")
	if pad == nil {
		return fmt.Errorf("tee has no sink pad")
	}
	// Once the first keyframe passed, the probe removes itself: no call into Go for every picture.
	pad.AddProbe(gst.PadProbeTypeBuffer, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		buf := info.GetBuffer()
		if buf == nil || buf.HasFlags(gst.BufferFlagDeltaUnit) {
			return gst.PadProbeDrop
		}
		return gst.PadProbeRemove
	})
	return nil
}
