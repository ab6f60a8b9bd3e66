package segments

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// Video codec names VideoCodecOfFile returns, as in the camera status.
const (
	CodecH264 = "h264"
	CodecH265 = "h265"
)

// probeCodecPackets is how far into a segment VideoCodecOfFile looks for the PMT (mpegtsmux writes it
// in the first packets).
const probeCodecPackets = 64

// VideoCodecOfFile reads the PMT at the start of a .ts segment file and names its video codec: CodecH264,
// CodecH265, or "" when the first packets have no PMT with video it knows.
func VideoCodecOfFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read the segment's codec: %w", err)
	}
	defer f.Close()
	var psi mpegts.PSI
	br := bufio.NewReaderSize(f, probeCodecPackets*mpegts.PacketSize)
	p := make([]byte, mpegts.PacketSize)
	for i := 0; i < probeCodecPackets; i++ {
		if _, err := io.ReadFull(br, p); err != nil {
			break
		}
		if p[0] != mpegts.SyncByte {
			continue
		}
		psi.Observe(p)
		if psi.VideoPID != 0 {
			break
		}
	}
	switch psi.StreamType {
	case mpegts.StreamTypeH264:
		return CodecH264, nil
	case mpegts.StreamTypeH265:
		return CodecH265, nil
	}
	return "", nil
}
