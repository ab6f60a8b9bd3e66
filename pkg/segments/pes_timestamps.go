package segments

import (
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// ptsWrap is where the 33-bit MPEG timestamps wrap around.
const ptsWrap = 1 << 33

// ticksPerSecond is the MPEG system clock rate of PTS and DTS.
const ticksPerSecond = 90000

// pesHeader describes the start of a PES packet: its timestamps and where its payload begins.
type pesHeader struct {
	pts, dts int64 // raw 33-bit values; dts == pts when the stream sent no DTS
	hasPTS   bool
	payload  int // offset of the elementary-stream data after the header
}

// parsePESHeader reads the PES header at the start of b (pkg/mpegts.ParsePES) for the file readers
// (probe, export); the live stream's frames come marked by mpegts.Marker instead.
func parsePESHeader(b []byte) (pesHeader, bool) {
	h, ok := mpegts.ParsePES(b)
	return pesHeader{pts: h.PTS, dts: h.DTS, hasPTS: h.HasPTS, payload: h.Payload}, ok
}

// tickDiff returns a−b for two raw 33-bit timestamps, taking the shorter way around the wrap.
func tickDiff(a, b int64) int64 {
	d := (a - b) & (ptsWrap - 1)
	if d >= ptsWrap/2 {
		d -= ptsWrap
	}
	return d
}

// ticksToDuration converts 90 kHz ticks to a time.Duration.
func ticksToDuration(t int64) time.Duration {
	return time.Duration(t * 100000 / 9) // 1 tick = 100000/9 ns
}

// durationToTicks converts a time.Duration to 90 kHz ticks.
func durationToTicks(d time.Duration) int64 {
	return int64(d) * 9 / 100000
}
