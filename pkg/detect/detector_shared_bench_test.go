package detect

import (
	"fmt"
	"os"
	"os/exec"
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

// rssChildEnv makes the test binary a helper process that prints the resident memory a session adds.
const rssChildEnv = "NVR_DETECT_RSS_CHILD"

// TestHelperSessionRSS is not a test: BenchmarkShared16Cameras runs the test binary again with
// rssChildEnv set to measure, in a process that has loaded nothing yet, how much resident memory Open
// and the first detection add (ONNX Runtime's library, the model and its arenas).
func TestHelperSessionRSS(t *testing.T) {
	if os.Getenv(rssChildEnv) == "" {
		return // not a test: only the helper process BenchmarkShared16Cameras starts runs it
	}
	frame := frame1080p(t)
	before := rssMiB()
	d := openTest(t, Options{})
	if _, err := d.DetectJPEG(frame); err != nil { // arenas are allocated on the first run
		t.Fatal(err)
	}
	fmt.Printf("session-rss-mib %.2f\n", rssMiB()-before)
}

// sessionRSS runs TestHelperSessionRSS in a fresh process and returns what it measured.
func sessionRSS(b *testing.B) float64 {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSessionRSS$", "-test.count=1")
	cmd.Env = append(os.Environ(), rssChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("session RSS helper: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "session-rss-mib "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	b.Fatalf("session RSS helper printed no figure:\n%s", out)
	return 0
}

// BenchmarkShared16Cameras is 16 cameras in motion at once, each sending its 1080p keyframes to the one
// shared session as fast as it answers: frames/s for all of them together, and the resident memory the
// session adds, measured in a fresh process around Open and the first detection (so it includes ONNX
// Runtime's library, the model and the session's arenas).
func BenchmarkShared16Cameras(b *testing.B) {
	frame := frame1080p(b)
	d := openTest(b, Options{})
	sessionMiB := sessionRSS(b)
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
