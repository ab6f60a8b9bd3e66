package gstpipe

import "os"

// nalAligned reports whether NVR_DEPAY_ALIGNMENT=nal asks for the worker's former video path: the
// depayloader hands out single NAL units, filterParams drops repeated parameter sets between them and
// the parser assembles access units, which it can close only when the next picture starts (one frame
// interval later on every picture). It is kept for a camera the packet-level filter (filterParamsRTP)
// does not suit, and for BenchmarkGlassToGlass's side-by-side figures. nvrd hands its environment to
// the workers.
func nalAligned() bool { return os.Getenv("NVR_DEPAY_ALIGNMENT") == "nal" }

// depayAlignment is the alignment the depayloaders hand out: whole access units, each as soon as the
// camera's packet with the RTP marker bit arrives, unless nalAligned.
func depayAlignment() string {
	if nalAligned() {
		return "nal"
	}
	return "au"
}
