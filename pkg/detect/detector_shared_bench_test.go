package detect

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rssMiB is this process's resident memory.
func rssMiB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkShared16Cameras is 16 cameras in motion at once, each sending its 1080p keyframes to the one
// shared session as fast as it answers: frames/s for all of them together, and the resident memory the
// session added (measured around Open, so it includes ONNX Runtime's library and the model).
func BenchmarkShared16Cameras(b *testing.B) {
	frame := frame1080p(b)
	before := rssMiB()
	d := openTest(b, Options{})
	if _, err := d.DetectJPEG(frame); err != nil { // warm-up: arenas are allocated on the first run
		b.Fatal(err)
	}
	sessionMiB := rssMiB() - before
	const cameras = 16
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	per := max(b.N/cameras, 1)
	for c := 0; c < cameras; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if _, err := d.DetectJPEG(frame); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.ReportMetric(float64(per*cameras)/el.Seconds(), "frames/s")
	b.ReportMetric(sessionMiB, "MiB-RSS-session")
}
