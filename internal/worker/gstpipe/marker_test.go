package gstpipe

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/internal/worker"
)

// TestLastPictureLeavesOnTheMarkerBit: a camera that sends 12 pictures and then nothing more gets all
// 12 into the FIFO. The worker must close each access unit on the RTP marker bit of its last packet,
// not when the next picture starts (which cost every picture one frame interval of live latency, and
// here would keep the 12th back for ever). A camera without B-frames: with them h264timestamper keeps
// the last pictures back to work out their decode times, whatever the depayloader does.
func TestLastPictureLeavesOnTheMarkerBit(t *testing.T) {
	for _, c := range []struct {
		name string
		clip testcam.Clip
	}{
		{"baseline", testcam.Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 25, BitrateKbps: 1000, Frames: 25}},
	} {
		t.Run(c.name, func(t *testing.T) {
			const pictures = 12
			s := stream(t, c.clip)
			opt := s.Options(c.clip.FPS)
			opt.Count = pictures
			cam, err := testcam.Start(opt)
			if err != nil {
				t.Fatal(err)
			}
			defer cam.Close()
			out := filepath.Join(t.TempDir(), "out.ts")
			p, err := New(worker.Spec{URL: cam.URL(), FIFO: out})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx, func(worker.Frame) {}) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("pipeline: %v", err)
				}
			}()
			// The last PES has no end but the next one's start: ReadAllVideoPES counts it once its
			// header is written, that is once the picture has reached the muxer.
			deadline := time.Now().Add(20 * time.Second)
			for {
				ts, _ := os.ReadFile(out)
				pes, _ := testcam.ReadAllVideoPES(ts)
				if n := len(pes); n >= pictures {
					if f, err := testcam.CheckAUs(pes[:n-1]); err != nil {
						t.Fatalf("%+v: %v", f, err)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("the camera sent %d pictures and stopped; after 20 s the FIFO holds %d", pictures, len(pes))
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}
