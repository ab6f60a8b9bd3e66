package events

import (
	"context"
	"image"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// benchKeyframes times a camera's own work on 1080p keyframes (motion scoring, QR reading,
// the event state machines), as the camera goroutine does it, without the detector.
func benchKeyframes(b *testing.B, qrOn bool) {
	e := New(Options{Log: quietLog()})
	cam := testCamera("bench")
	cam.QR.Enabled = qrOn
	c := newCamera(e, cam)
	s := newScene(1920, 1080, 50)
	frames := [][]byte{
		s.frame(b, 0, block(100, 100, 80)),
		s.frame(b, 0, func(img *image.YCbCr) { block(300, 200, 80)(img) }),
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		c.onFrame(ctx, &ipc.Keyframe{CameraID: "bench", WallNS: at(float64(i)).UnixNano(), Width: 1920, Height: 1080, JPEG: frames[i%2]})
	}
	b.StopTimer()
	// CPU time as well as wall time: on a shared machine it is the steadier figure.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	c.closeAll(ctx)
}

// BenchmarkKeyframeMotion1080p: motion only (the luma decoded at 1/4).
func BenchmarkKeyframeMotion1080p(b *testing.B) { benchKeyframes(b, false) }

// BenchmarkKeyframeMotionQR1080p: motion and QR (the luma also decoded at full size).
func BenchmarkKeyframeMotionQR1080p(b *testing.B) { benchKeyframes(b, true) }

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
