package segments

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// SegmentInfo is what ProbeSegmentFile learns from a segment file.
type SegmentInfo struct {
	Bytes     int64
	FirstPTS  int64         // raw 33-bit PTS of the first video frame (90 kHz ticks)
	LastPTS   int64         // raw PTS of the latest frame in presentation order
	Duration  time.Duration // LastPTS − FirstPTS + one frame interval (40 ms for a single frame); > 0 when Frames > 0
	Frames    int           // video frames (PES packets with a PTS)
	Keyframes int
	// Whole is true when the file is fit to be indexed: whole 188-byte packets, each with the sync
	// byte, starting with a PAT, with at least one keyframe. Otherwise Problem says what is wrong.
	Whole   bool
	Problem string
}

// ProbeSegmentFile reads a .ts segment file, e.g. an orphan found after a crash, and describes it. It
// returns an error only when the file cannot be read; a damaged file gives Whole == false.
func ProbeSegmentFile(path string) (SegmentInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return SegmentInfo{}, fmt.Errorf("probe segment: %w", err)
	}
	defer f.Close()
	var (
		info       SegmentInfo
		psi        mpegts.PSI
		br         = bufio.NewReaderSize(f, 64<<10)
		p          = make([]byte, mpegts.PacketSize)
		first, at  int64 // unwrapped PTS of the first frame and of the latest frame
		lo, hi     int64 // unwrapped PTS range
		lastRaw    int64
		badSync    int
		firstIsPAT bool
	)
	for {
		n, err := io.ReadFull(br, p)
		info.Bytes += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return SegmentInfo{}, fmt.Errorf("probe segment %s: %w", path, err)
		}
		if p[0] != mpegts.SyncByte {
			badSync++
			continue
		}
		if info.Bytes == mpegts.PacketSize {
			firstIsPAT = mpegts.PID(p) == 0
		}
		if psi.Observe(p) || psi.VideoPID == 0 || mpegts.PID(p) != psi.VideoPID || !mpegts.PUSI(p) {
			continue
		}
		if psi.IsKeyframe(p) {
			info.Keyframes++
		}
		h, ok := parsePESHeader(mpegts.Payload(p))
		if !ok || !h.hasPTS {
			continue
		}
		if info.Frames == 0 {
			first, at, lo, hi = h.pts, h.pts, h.pts, h.pts
			info.FirstPTS = h.pts
		} else {
			at += tickDiff(h.pts, lastRaw)
			lo, hi = min(lo, at), max(hi, at)
		}
		if at == hi {
			info.LastPTS = h.pts
		}
		lastRaw = h.pts
		info.Frames++
	}
	if info.Frames > 0 {
		span := hi - lo
		// One frame (a segment flushed at shutdown just after its keyframe) shows no interval: it lasts
		// the one the Segmenter assumes until it measures one, never 0 (a playlist needs a duration).
		frame := int64(defaultFrameTk)
		if info.Frames > 1 && span > 0 {
			frame = span / int64(info.Frames-1)
		}
		info.Duration = ticksToDuration(hi - first + frame)
	}
	switch {
	case info.Bytes == 0:
		info.Problem = "the file is empty"
	case info.Bytes%mpegts.PacketSize != 0:
		info.Problem = fmt.Sprintf("the file ends with a partial packet (%d bytes is not a multiple of 188)", info.Bytes)
	case badSync > 0:
		info.Problem = fmt.Sprintf("%d packets lack the 0x47 sync byte", badSync)
	case !firstIsPAT:
		info.Problem = "the file does not start with a PAT packet"
	case info.Keyframes == 0:
		info.Problem = "the file has no keyframe"
	default:
		info.Whole = true
	}
	return info, nil
}
