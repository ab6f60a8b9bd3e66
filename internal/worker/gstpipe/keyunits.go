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
