package segments

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// fuzzSeeds returns a short real stream and variants of it, or nothing when GStreamer is missing (the
// fuzz targets then start from the synthetic seeds only).
func fuzzSeeds(f *testing.F) [][]byte {
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		return nil
	}
	ts := clip(f, clipSpec{frames: 12, width: 64, height: 48, gop: 4, bframes: 2, pattern: "ball", fpsNumer: 25})
	return [][]byte{ts, shiftTimestamps(ts, ptsWrap-ticksPerSecond), ts[len(ts)/3:], append(append([]byte(nil), ts...), shiftTimestamps(ts, 3600*ticksPerSecond)...)}
}

func FuzzSegmenterWrite(f *testing.F) {
	f.Add([]byte{0x47, 0, 0, 0x10}, uint16(188), uint8(20))
	f.Add(make([]byte, 3*188), uint16(1), uint8(0))
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint16(188*7), uint8(3))
		f.Add(s, uint16(1000), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, target uint8) {
		s := NewSegmenter(time.Duration(target) * 100 * time.Millisecond)
		s.maxBytes = 16 << 10 // reach the caps with small inputs too
		s.maxDur = 2 * ticksPerSecond
		var segs []Segment
		at := t0
		step := int(chunk)%4096 + 1 // arbitrary byte chunks: alignment may be lost, which Write must survive
		for i := 0; i < len(data); i += step {
			segs = append(segs, s.Write(data[i:min(i+step, len(data))], at)...)
			at = at.Add(time.Duration(step) * time.Microsecond)
		}
		if seg := s.Flush(); seg != nil {
			segs = append(segs, *seg)
		}
		for i, seg := range segs {
			if len(seg.Data) < 3*mpegts.PacketSize || len(seg.Data)%mpegts.PacketSize != 0 {
				t.Fatalf("segment %d has %d bytes", i, len(seg.Data))
			}
			if mpegts.PID(seg.Data) != 0 || seg.Duration < 0 || seg.Seq != uint64(i) {
				t.Fatalf("segment %d: first PID %d, duration %v, seq %d", i, mpegts.PID(seg.Data), seg.Duration, seg.Seq)
			}
			if seg.Keyframes > 0 && !mpegts.RandomAccess(seg.Data[2*mpegts.PacketSize:]) {
				t.Fatalf("segment %d does not start at its keyframe", i)
			}
		}
	})
}

func FuzzExportMP4(f *testing.F) {
	f.Add([]byte{0x47, 0x40, 0, 0x10, 0, 0, 0xb0})
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "in.ts")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_ = ExportMP4(io.Discard, []string{path, path}, nil) // errors are fine; panics are not
	})
}
