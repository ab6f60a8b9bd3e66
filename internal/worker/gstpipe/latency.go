package gstpipe

import (
	"os"
	"strconv"
)

// defaultRTSPLatencyMS is rtspsrc's jitter buffer in milliseconds. The camera's RTP comes interleaved
// in the RTSP TCP connection, in order and without loss, so the buffer has nothing to reorder; what it
// holds back is added to every viewer's glass-to-glass latency one for one (BenchmarkGlassToGlass).
const defaultRTSPLatencyMS = 100

// rtspLatencyMS is the jitter buffer: NVR_RTSP_LATENCY_MS (0–5000, nvrd hands its environment to
// the workers) when set, for a camera network that needs more, and for the benchmark's side-by-side
// figures; the default otherwise.
func rtspLatencyMS() int {
	if v, err := strconv.Atoi(os.Getenv("NVR_RTSP_LATENCY_MS")); err == nil && v >= 0 && v <= 5000 {
		return v
	}
	return defaultRTSPLatencyMS
}
