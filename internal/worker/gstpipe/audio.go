package gstpipe

import (
	"fmt"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/nvrproject/nvr/internal/worker"
)

// audioBranch links the camera's audio track (the rtspsrc pad whose caps the depayloader accepts) to
// the muxer: AAC as it comes, G.711 and Opus decoded and encoded to AAC (browsers cannot play them from
// MPEG-TS; this is the one place nvr re-encodes anything, and only audio). A camera without audio, or
// with audio nvr cannot handle, gets no branch and its video is recorded alone.
// The branch's last element is named "aout"; shiftAudio moves its times like the video's.
func audioBranch(a worker.Audio) string {
	const toAAC = ` ! audioconvert ! audioresample ! avenc_aac bitrate=64000 ! aacparse`
	var chain string
	switch a {
	case worker.AudioAAC:
		chain = `rtpmp4gdepay ! aacparse`
	case worker.AudioLATM:
		chain = `rtpmp4adepay ! aacparse`
	case worker.AudioPCMA:
		chain = `rtppcmadepay ! alawdec` + toAAC
	case worker.AudioPCMU:
		chain = `rtppcmudepay ! mulawdec` + toAAC
	case worker.AudioOpus:
		chain = `rtpopusdepay ! opusdec` + toAAC
	default:
		return ""
	}
	return ` src. ! ` + chain + ` ! identity name=aout ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! mux. `
}

// timestamperOffset is what h264timestamper and h265timestamper add to every PTS and DTS (GstCodecTimestamper
// keeps DTS ≥ 0 that way) without moving the segment: the video's running times are 1000 h ahead.
const timestamperOffset = 1000 * time.Hour

// shiftAudio adds timestamperOffset to the audio branch's times, so mpegtsmux, which interleaves its
// inputs by running time, sees audio and video of the same moment together (without it every video
// buffer waits 1000 h behind the audio, and the FIFO gets audio only).
func shiftAudio(p *gst.Pipeline) error {
	el, err := p.GetElementByName("aout")
	if err != nil {
		return nil // no audio branch
	}
	pad := el.GetStaticPad("src")
	if pad == nil {
		return fmt.Errorf("the audio branch's identity has no src pad")
	}
	var r worker.Retimer // the audio's times are made continuous like the video's (retime.go)
	pad.AddProbe(gst.PadProbeTypeBuffer, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		buf := info.GetBuffer()
		if buf == nil {
			return gst.PadProbeOK
		}
		moved := time.Duration(0) // what the Retimer moved this buffer by; its DTS moves alike
		if pts := buf.PresentationTimestamp(); pts != gst.ClockTimeNone {
			out, _ := r.Fix(int64(pts), int64(time.Since(epoch)))
			out = max(out, 0)
			moved = time.Duration(out - int64(pts))
			buf.SetPresentationTimestamp(gst.ClockTime(out) + gst.ClockTime(timestamperOffset))
		}
		shiftDTS(buf, timestamperOffset+moved)
		return gst.PadProbeOK
	})
	return nil
}
