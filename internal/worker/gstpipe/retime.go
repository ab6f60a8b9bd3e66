package gstpipe

import (
	"fmt"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/nvrproject/nvr/internal/worker"
)

// epoch is the start of the monotonic clock the Retimers are told arrival times on.
var epoch = time.Now()

// retime puts a worker.Retimer on the depayloader's output, before the parser gives decode times and
// the muxer interleaves: a camera whose RTP timestamps jump (reboot, clock set, restart at a random
// value) still makes a stream whose times move by its frame rate, so nvrd's segments keep their true
// durations and live players do not wait for a picture an hour away. onJump (may be nil) hears of
// each jump, from the streaming thread.
func retime(p *gst.Pipeline, onJump func(time.Duration)) error {
	depay, err := p.GetElementByName("depay")
	if err != nil {
		return err
	}
	pad := depay.GetStaticPad("src")
	if pad == nil {
		return fmt.Errorf("the depayloader has no src pad")
	}
	var r worker.Retimer // used only on the depayloader's streaming thread
	pad.AddProbe(gst.PadProbeTypeBuffer, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		buf := info.GetBuffer()
		if buf == nil {
			return gst.PadProbeOK
		}
		pts := buf.PresentationTimestamp()
		if pts == gst.ClockTimeNone {
			return gst.PadProbeOK
		}
		out, jump := r.Fix(int64(pts), int64(time.Since(epoch)))
		if out < 0 {
			out = 0
		}
		if out != int64(pts) {
			buf.SetPresentationTimestamp(gst.ClockTime(out))
		}
		if jump != 0 && onJump != nil {
			onJump(jump)
		}
		return gst.PadProbeOK
	})
	return nil
}
