package testcam

import (
	"fmt"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
)

// WhiteSecond is the glass-to-glass camera's clip (issue 11): a 1 s loop at 25 fps whose first
// picture, a keyframe, is white and whose other 24 are black. x264 tuned for zero latency, so no picture
// waits for a later one. Sent with Options.WallClock, the white picture leaves at every whole second of
// the wall clock, and a viewer that sees it turn white at second+d is d behind the camera.
func WhiteSecond(width, height int) Clip {
	return Clip{Width: width, Height: height, FPS: 25, KeyInt: 25, BitrateKbps: 500, Frames: 25,
		Source: "videotestsrc pattern=white num-buffers=1 ! c. videotestsrc pattern=black num-buffers=24 ! c. concat name=c"}
}

// pumpWallClock sends the clip paced by the wall clock instead of a ticker: AU n leaves at t0 + n frame
// intervals, t0 a whole second, so AU 0 of a clip of FPS pictures leaves at every whole second; a late
// wake-up sends at once and the next AU keeps its own slot (no drift). Video only.
func (s *Server) pumpWallClock(stream *gortsplib.ServerStream, stop <-chan struct{}) {
	media := stream.Desc.Medias[0]
	var enc interface {
		Encode([][]byte) ([]*rtp.Packet, error)
	}
	var err error
	switch f := media.Formats[0].(type) {
	case *format.H264:
		enc, err = f.CreateEncoder()
	case *format.H265:
		enc, err = f.CreateEncoder()
	}
	if err != nil || enc == nil {
		return
	}
	fps := uint64(s.opt.FPS)
	t0 := time.Now().Truncate(time.Second).Add(time.Second)
	timer := time.NewTimer(time.Until(t0))
	defer timer.Stop()
	for n := uint64(0); ; n++ {
		at := t0.Add(time.Duration(n) * time.Second / time.Duration(fps))
		timer.Reset(time.Until(at))
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		pkts, err := enc.Encode(s.opt.AUs[n%uint64(len(s.opt.AUs))])
		if err != nil {
			continue
		}
		for _, p := range pkts {
			p.Timestamp = uint32(n * 90000 / fps)
			_ = stream.WritePacketRTP(media, p)
		}
	}
}

// checkWallClock says why opt cannot be paced by the wall clock.
func checkWallClock(opt Options) error {
	if !opt.WallClock {
		return nil
	}
	if len(opt.AUs) == 0 || len(opt.AUs)%opt.FPS != 0 || opt.PTS != nil || opt.Audio != "" || opt.StartAt != 0 {
		return fmt.Errorf("a wall-clock test camera needs a clip of whole seconds in presentation order, without audio or StartAt (%d AUs at %d fps)", len(opt.AUs), opt.FPS)
	}
	return nil
}
