package e2e

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// Figures that tests must not assert (they depend on the machine and on -race): what failing cameras cost
// in CPU, and how fast and how close to the live edge the browser plays. Run with -benchtime=1x (make
// bench); NVR_BENCH_SECONDS sets the measuring window (default 10).

func benchWindow() time.Duration {
	if s, err := strconv.Atoi(os.Getenv("NVR_BENCH_SECONDS")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 10 * time.Second
}

// BenchmarkFailingCamerasCPU: a real nvrd with six cameras that fail (three refused connections, three
// wrong paths) and one good one. Reported: nvrd's own CPU while they retry, in % of one core (the
// target: far below 50 %), and nvrd with its workers.
func BenchmarkFailingCamerasCPU(b *testing.B) {
	if skipReason != "" {
		testskip.Skip(b, skipReason, "run make setup")
	}
	for i := 0; i < b.N; i++ {
		good, err := testcam.Start(testcam.Options{AUs: clip})
		if err != nil {
			b.Fatal(err)
		}
		p := startNVRDForBench(b)
		urls := []string{good.URL()}
		for j := 0; j < 3; j++ {
			ln, _ := net.Listen("tcp", "127.0.0.1:0")
			urls = append(urls, "rtsp://"+ln.Addr().String()+"/stream", fmt.Sprintf("rtsp://%s/nope%d", good.Addr(), j))
			ln.Close()
		}
		for j, u := range urls {
			if _, errOut, err := p.cliB(b, "camera", "add", "--name", fmt.Sprintf("cam%02d", j), "--url", u); err != nil {
				b.Fatal(errOut)
			}
		}
		deadline := time.Now().Add(60 * time.Second)
		for j := 1; j < len(urls); j++ {
			for {
				if s, _ := p.statusB(b, fmt.Sprintf("cam%02d", j)); s.Error != "" {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("cam%02d reports no error", j)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
		window := benchWindow()
		pid := p.cmd.Process.Pid
		all := func() []int { return append([]int{pid}, childPIDs(pid)...) }
		c0, a0 := cpuOf([]int{pid}), cpuOf(all())
		time.Sleep(window)
		c1, a1 := cpuOf([]int{pid}), cpuOf(all())
		p.stopB(b)
		good.Close()
		b.ReportMetric(float64(c1-c0)/window.Seconds(), "%core-nvrd") // ticks are 1/100 s
		b.ReportMetric(float64(a1-a0)/window.Seconds(), "%core-with-workers")
	}
}

// BenchmarkBrowserLive: headless Chromium plays a camera's live view from a real nvrd. Reported: how
// many seconds of video it played per second of wall time over 3 s, and how far behind the live edge of
// its buffer the player is at the end (latency chasing keeps it near 0).
func BenchmarkBrowserLive(b *testing.B) {
	if skipReason != "" {
		testskip.Skip(b, skipReason, "run make setup")
	}
	needBrowser(b)
	for i := 0; i < b.N; i++ {
		cam, err := testcam.Start(testcam.Options{AUs: clip})
		if err != nil {
			b.Fatal(err)
		}
		p := startNVRDForBench(b)
		if _, errOut, err := p.cliB(b, "camera", "add", "--name", "Porch", "--url", cam.URL()); err != nil {
			b.Fatal(errOut)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			if s, _ := p.statusB(b, "porch"); s.State == "streaming" {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("the camera is not streaming")
			}
			time.Sleep(200 * time.Millisecond)
		}
		r := runLiveCheck(b, p.url+"/?camera=porch", "bench-browser-live.png")
		p.stopB(b)
		cam.Close()
		if r.Fatal != "" {
			b.Fatalf("the video did not play: %s", r.Fatal)
		}
		b.ReportMetric((r.Second.CurrentTime-r.First.CurrentTime)/3, "x-realtime")
		b.ReportMetric(r.Second.BufferedEnd-r.Second.CurrentTime, "s-behind-live-edge")
	}
}
