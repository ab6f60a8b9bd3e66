package segments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// FuzzProbeSegmentFile probes arbitrary files as segments (what reconcile does with files found on
// disk after a crash): it never fails to describe a readable file, and a file it calls whole really is
// whole packets starting with a PAT and holding a keyframe.
func FuzzProbeSegmentFile(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x47, 0, 0, 0x10})
	pat := make([]byte, mpegts.PacketSize)
	copy(pat, []byte{0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00})
	f.Add(pat)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "seg.ts")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := ProbeSegmentFile(path)
		if err != nil {
			t.Fatalf("a readable file gave an error: %v", err)
		}
		if info.Bytes != int64(len(data)) {
			t.Fatalf("Bytes %d, the file has %d", info.Bytes, len(data))
		}
		if info.Duration < 0 || info.Duration > 27*time.Hour || info.Frames < 0 || info.Keyframes > info.Frames+len(data)/mpegts.PacketSize {
			t.Fatalf("implausible description %+v", info)
		}
		if info.Whole == (info.Problem != "") {
			t.Fatalf("Whole %v with problem %q", info.Whole, info.Problem)
		}
		if info.Whole && (len(data)%mpegts.PacketSize != 0 || data[0] != mpegts.SyncByte || info.Keyframes == 0) {
			t.Fatalf("a damaged file was called whole: %+v", info)
		}
		if strings.Contains(info.Problem, "\n") {
			t.Fatalf("problem is not one line: %q", info.Problem)
		}
	})
}
