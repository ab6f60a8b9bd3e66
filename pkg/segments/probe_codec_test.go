package segments

import (
	"os"
	"path/filepath"
	"testing"
)

// TestVideoCodecOfFile: an x264 segment is "h264"; a file without a PMT names no codec and is no error.
// (H.265 segments: internal/e2e TestH265RecordingSaysBrowserCannotPlayIt reads "h265" from the API.)
func TestVideoCodecOfFile(t *testing.T) {
	if c, err := VideoCodecOfFile(clipPath(t, plainClip)); err != nil || c != CodecH264 {
		t.Fatalf("x264 segment: %q, %v; want h264", c, err)
	}
	junk := filepath.Join(t.TempDir(), "junk.ts")
	if err := os.WriteFile(junk, make([]byte, 188*10), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err := VideoCodecOfFile(junk); err != nil || c != "" {
		t.Fatalf("a file of zeros: %q, %v; want no codec and no error", c, err)
	}
	if _, err := VideoCodecOfFile(filepath.Join(t.TempDir(), "gone.ts")); err == nil {
		t.Fatal("a missing file gave no error")
	}
}
