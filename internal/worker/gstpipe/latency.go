package gstpipe

import (
	"os"
	"strconv"

	"github.com/nvrproject/nvr/internal/worker"
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

// subLatencyMS is the substream's jitter buffer: none over TCP, where the packets come in order and
// without loss, so there is nothing to wait for. A jitter buffer that holds packets costs a second
// stream more than its size suggests: relaying a 640×360 substream took about 0.4 % of a core per
// camera less with none (BenchmarkRealCameras, sub-relay-latency100 against sub-relay in one run).
// Over UDP, or with NVR_SUB_RTSP_LATENCY_MS (0–5000) set, it is as the main stream's.
func subLatencyMS(transport string) int {
	if v, err := strconv.Atoi(os.Getenv("NVR_SUB_RTSP_LATENCY_MS")); err == nil && v >= 0 && v <= 5000 {
		return v
	}
	if transport == worker.TransportUDP {
		return rtspLatencyMS()
	}
	return 0
}
