package gstpipe

import "github.com/nvrproject/nvr/internal/worker"

// audioBranch links the camera's audio track (the rtspsrc pad whose caps the depayloader accepts) to
// the muxer: AAC as it comes, G.711 and Opus decoded and encoded to AAC (browsers cannot play them from
// MPEG-TS; this is the one place nvr re-encodes anything, and only audio). A camera without audio, or
// with audio nvr cannot handle, gets no branch and its video is recorded alone.
//
// Not linked yet (issue 14 item 1): h264timestamper shifts video times by 1000 h (its DTS offset), so
// mpegtsmux, which orders its inputs by running time, holds every video buffer behind the audio and the
// FIFO gets audio only. Until the audio times are shifted alike, audioBranchEnabled is false, the
// camera's audio track stays unlinked (rtspsrc plays the video alone) and the status says why.
func audioBranch(a worker.Audio) string {
	if !audioBranchEnabled {
		return ""
	}
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
	return ` src. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! ` + chain + ` ! mux. `
}

// audioBranchEnabled links the audio branch; see audioBranch.
const audioBranchEnabled = false
