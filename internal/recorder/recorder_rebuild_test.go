package recorder

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/mpegts"
	"github.com/nvrproject/nvr/pkg/segments"
)

// oneFrame cuts a segment down to its PSI and first frame (the keyframe): what Flush writes when nvrd
// stops just after a segment opened.
func oneFrame(t *testing.T, data []byte) []byte {
	t.Helper()
	var psi mpegts.PSI
	frames := 0
	for i := 0; i+mpegts.PacketSize <= len(data); i += mpegts.PacketSize {
		p := data[i : i+mpegts.PacketSize]
		psi.Observe(p)
		if psi.VideoPID != 0 && mpegts.PID(p) == psi.VideoPID && mpegts.PUSI(p) {
			if frames++; frames == 2 {
				return data[:i]
			}
		}
	}
	t.Fatal("the segment has fewer than two frames")
	return nil
}

// TestRebuildOneFrameSegment: an index rebuilt from a directory whose last segment holds one frame
// can be written as a playlist (every segment lasts more than 0 s).
func TestRebuildOneFrameSegment(t *testing.T) {
	segs := tsClip(t)
	r, st := newTestRecorder(t, Options{})
	ctx := context.Background()
	rel := filepath.Join("cam", "d", "7")
	dir := filepath.Join(r.Root(), rel)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Minute)
	if err := writeSidecar(dir, "cam", store.KindContinuous, "", start); err != nil {
		t.Fatal(err)
	}
	for i, data := range [][]byte{segs[0].Data, segs[1].Data, oneFrame(t, segs[2].Data)} {
		if err := segments.WriteFileDurable(dir, store.SegmentFile(i), data); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Reconcile(ctx, st, r.Root())
	if err != nil || rep.RecordingsFound != 1 || rep.OrphansIndexed != 3 {
		t.Fatalf("reconcile: %v %+v", err, rep)
	}
	rec, err := st.GetRecording(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := segments.WritePlaylist(&b, RecordingPlaylist(rec)); err != nil {
		t.Fatalf("the rebuilt recording cannot be a playlist: %v (segments %+v)", err, rec.Segments)
	}
	if last := rec.Segments[len(rec.Segments)-1]; last.Duration <= 0 || last.Duration > 100*time.Millisecond {
		t.Fatalf("the one-frame segment lasts %v, want one frame interval", last.Duration)
	}
}
