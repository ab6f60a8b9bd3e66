package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// Camera load benchmarks: N simulated 1080p 25 fps 4 Mbit/s H.264 cameras (keyframe every second) on
// loopback, a real nvrd with its workers, one live viewer per camera. Reported per camera: CPU of nvrd
// plus all its workers (user+sys from /proc over the measuring window, in % of one core), RSS and PSS per
// worker, and the latency nvrd adds from FIFO read to WebSocket write (p50/p99 from its histogram).
// Run with -benchtime=1x; NVR_BENCH_SECONDS sets the window (default 30). NVR_BENCH_BASELINE_BIN=DIR
// (DIR holding a baseline build's nvrd and nvr-worker) measures that build and this one alternately on
// the same cameras, with each build's bare GStreamer pipeline, and reports both and their ratios
// (compareWithBaseline).
func BenchmarkCameras1(b *testing.B)  { benchCameras(b, 1) }
func BenchmarkCameras8(b *testing.B)  { benchCameras(b, 8) }
func BenchmarkCameras16(b *testing.B) { benchCameras(b, 16) }

var (
	hdClipOnce sync.Once
	hdClip     [][][]byte
	hdClipErr  error
)

func benchCameras(b *testing.B, n int) {
	if skipReason != "" {
		testskip.Skip(b, skipReason, "run make setup")
	}
	hdClipOnce.Do(func() {
		hdClip, hdClipErr = testcam.Encode(filepath.Join(repoRoot, ".cache", "testclips"),
			testcam.Clip{Width: 1920, Height: 1080, FPS: 25, KeyInt: 25, BitrateKbps: 4000, Frames: 250,
				Source: "videotestsrc pattern=smpte horizontal-speed=4 num-buffers=250"})
	})
	if hdClipErr != nil {
		b.Fatal(hdClipErr)
	}
	window := 30 * time.Second
	if s, err := strconv.Atoi(os.Getenv("NVR_BENCH_SECONDS")); err == nil && s > 0 {
		window = time.Duration(s) * time.Second
	}
	for i := 0; i < b.N; i++ {
		cams := startBenchCameras(b, n)
		if base := os.Getenv("NVR_BENCH_BASELINE_BIN"); base != "" {
			compareWithBaseline(b, cams, base, window)
		} else {
			measureLoad(b, cams, "", window).report(b, "")
		}
		for _, c := range cams {
			c.Close()
		}
	}
}

// startBenchCameras starts n cameras sending the 1080p clip.
func startBenchCameras(b *testing.B, n int) []*testcam.Server {
	cams := make([]*testcam.Server, n)
	for i := range cams {
		c, err := testcam.Start(testcam.Options{AUs: hdClip, FPS: 25})
		if err != nil {
			b.Fatal(err)
		}
		cams[i] = c
	}
	return cams
}

// loadResult is one measured run of nvrd and its workers: CPU in % of a core per camera (all, nvrd
// alone, the workers), memory per worker in MiB, and the latency nvrd adds.
type loadResult struct {
	total, nvrd, workers float64
	rss, pss, nvrdRSS    float64
	p50, p99             float64
}

func (r loadResult) report(b *testing.B, suffix string) {
	b.ReportMetric(r.total, "%core/camera"+suffix)
	b.ReportMetric(r.nvrd, "%core-nvrd/camera"+suffix)
	b.ReportMetric(r.workers, "%core-workers/camera"+suffix)
	b.ReportMetric(r.rss, "MiB-RSS/worker"+suffix)
	b.ReportMetric(r.pss, "MiB-PSS/worker"+suffix)
	b.ReportMetric(r.nvrdRSS, "MiB-RSS-nvrd"+suffix)
	b.ReportMetric(r.p50, "ms-added-p50"+suffix)
	b.ReportMetric(r.p99, "ms-added-p99"+suffix)
}

// compareWithBaseline measures the baseline build in baseDir (its bin/nvrd and bin/nvr-worker, e.g.
// main's, built with go build -o DIR/ ./cmd/nvrd ./cmd/nvr-worker) and this build on the same cameras,
// alternating (NVR_BENCH_ROUNDS rounds, 2 by default; the order flips every round), and the bare
// GStreamer pipelines each build's worker runs (N gst-launch-1.0 at once, the FIFO replaced by
// /dev/null, no appsink). Reported: each figure of both builds (suffix -base), their ratios, and each
// build's workers against its own bare pipeline (the issue 17 target: ≤ 1.05).
func compareWithBaseline(b *testing.B, cams []*testcam.Server, baseDir string, window time.Duration) {
	rounds := 2
	if r, err := strconv.Atoi(os.Getenv("NVR_BENCH_ROUNDS")); err == nil && r > 0 {
		rounds = r
	}
	var sum [2]loadResult // 0 this build, 1 the baseline
	var bare, fair [2]float64
	for r := 0; r < rounds; r++ {
		order := []int{1, 0}
		if r%2 == 1 {
			order = []int{0, 1}
		}
		for _, v := range order {
			dir := ""
			if v == 1 {
				dir = baseDir
			}
			res := measureLoad(b, cams, dir, window)
			pipe := barePipeline(v == 1)
			bareCPU := measureBare(b, cams, pipe, window, false)
			fairCPU := measureBare(b, cams, fairBarePipeline(pipe), window, true)
			b.Logf("round %d %s: %%core/camera %.2f (nvrd %.2f, workers %.2f; bare pipeline %.2f, fair bare %.2f), PSS %.1f MiB, RSS %.1f MiB per worker, load %s",
				r+1, map[int]string{0: "new", 1: "base"}[v], res.total, res.nvrd, res.workers, bareCPU, fairCPU, res.pss, res.rss, loadAvg())
			s := &sum[v]
			s.total += res.total / float64(rounds)
			s.nvrd += res.nvrd / float64(rounds)
			s.workers += res.workers / float64(rounds)
			s.rss += res.rss / float64(rounds)
			s.pss += res.pss / float64(rounds)
			s.nvrdRSS += res.nvrdRSS / float64(rounds)
			s.p50 += res.p50 / float64(rounds)
			s.p99 += res.p99 / float64(rounds)
			bare[v] += bareCPU / float64(rounds)
			fair[v] += fairCPU / float64(rounds)
		}
	}
	sum[0].report(b, "")
	sum[1].report(b, "-base")
	b.ReportMetric(bare[0], "%core-bare/camera")
	b.ReportMetric(bare[1], "%core-bare/camera-base")
	ratio := func(a, c float64) float64 {
		if c == 0 {
			return 0
		}
		return a / c
	}
	b.ReportMetric(ratio(sum[0].total, sum[1].total), "x-total-vs-base")
	b.ReportMetric(ratio(sum[0].nvrd, sum[1].nvrd), "x-nvrd-vs-base")
	b.ReportMetric(ratio(sum[0].workers, sum[1].workers), "x-workers-vs-base")
	b.ReportMetric(ratio(sum[0].pss, sum[1].pss), "x-PSS-vs-base")
	b.ReportMetric(ratio(sum[0].workers, bare[0]), "x-workers-vs-bare")
	b.ReportMetric(ratio(sum[1].workers, bare[1]), "x-workers-vs-bare-base")
	b.ReportMetric(fair[0], "%core-fairbare/camera")
	b.ReportMetric(fair[1], "%core-fairbare/camera-base")
	b.ReportMetric(ratio(sum[0].workers, fair[0]), "x-workers-vs-fairbare")
	b.ReportMetric(ratio(sum[1].workers, fair[1]), "x-workers-vs-fairbare-base")
}

// barePipeline is the GStreamer pipeline a worker runs on an H.264 camera, for gst-launch-1.0: the
// FIFO is /dev/null (written the same way) and the appsinks are fakesinks. base is the baseline
// worker's (the keyframe decoded and encoded at full size), else this build's (scaled to the
// analysis size; the full-size branch passes nothing unless asked, so it is left out).
func barePipeline(base bool) string {
	pictures := "videoscale method=bilinear ! video/x-raw,width=[1,640],height=[1,640],pixel-aspect-ratio=1/1 ! jpegenc ! fakesink sync=false"
	if base {
		pictures = "jpegenc ! fakesink sync=false"
	}
	return "rtspsrc location=URL protocols=tcp latency=100 buffer-mode=none ! rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au ! " +
		"h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au ! h264timestamper ! tee name=t " +
		"t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! mpegtsmux ! filesink location=/dev/null sync=false buffer-mode=unbuffered " +
		"t. ! queue leaky=downstream max-size-buffers=60 max-size-bytes=0 max-size-time=0 ! identity drop-buffer-flags=delta-unit ! " +
		"avdec_h264 max-threads=1 output-corrupt=false ! videoconvert ! " + pictures
}

// fairBarePipeline is pipe doing the work a worker does beside its Go code: the transport stream goes
// into a FIFO (location=FIFO, a reader drains it as nvrd does) in the worker's unbuffered writes, the
// keyframe picture also passes the full-size branch's tee (its jpegenc gets nothing unless asked), and
// rtspsrc has the worker's timeouts. The Go parts (the parameter-set probe, appsink → IPC) are what
// is left between the workers and this.
func fairBarePipeline(pipe string) string {
	pipe = strings.Replace(pipe, "filesink location=/dev/null", "filesink location=FIFO", 1)
	pipe = strings.Replace(pipe, "buffer-mode=none", "buffer-mode=none tcp-timeout=10000000 timeout=10000000", 1)
	return strings.Replace(pipe, "videoconvert ! ", "videoconvert ! tee name=dect dect. ! valve drop=true ! jpegenc ! fakesink sync=false async=false dect. ! ", 1)
}

// measureBare runs pipe (URL replaced by each camera's) in one gst-launch-1.0 per camera at once and
// returns their CPU in % of a core per camera over window. With fifo, FIFO in pipe is replaced by a
// FIFO per camera that a cat drains to /dev/null (cat's CPU is not counted: nvrd's reading is in
// nvrd's figure).
func measureBare(b *testing.B, cams []*testcam.Server, pipe string, window time.Duration, fifo bool) float64 {
	var cmds []*exec.Cmd
	var pids []int
	dir := b.TempDir()
	for i, c := range cams {
		p := strings.Replace(pipe, "URL", c.URL(), 1)
		if fifo {
			path := filepath.Join(dir, fmt.Sprintf("cam%d.ts", i))
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				b.Fatal(err)
			}
			reader := execCommand("sh", "-c", `exec cat "$1" >/dev/null`, "sh", path)
			if err := reader.Start(); err != nil {
				b.Fatal(err)
			}
			cmds = append(cmds, reader)
			p = strings.Replace(p, "FIFO", path, 1)
		}
		cmd := execCommand("gst-launch-1.0", append([]string{"-q"}, strings.Fields(p)...)...)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, cmd)
		pids = append(pids, cmd.Process.Pid)
	}
	defer func() {
		for _, cmd := range cmds {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	time.Sleep(5 * time.Second)
	c0 := cpuOf(pids)
	time.Sleep(window)
	c1 := cpuOf(pids)
	for _, cmd := range cmds {
		if cmd.ProcessState != nil {
			b.Fatalf("gst-launch-1.0 ended early: %v", cmd.ProcessState)
		}
	}
	return float64(c1-c0) / 100 / window.Seconds() * 100 / float64(len(cams))
}

// loadAvg is the machine's 1-minute load average, for the log.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// measureLoad runs nvrd (the build in binDir, "" for this one) with a camera for each of cams and a
// viewer each, and measures it over window.
func measureLoad(b *testing.B, cams []*testcam.Server, binDir string, window time.Duration) loadResult {
	n := len(cams)
	p := launchNVRDFrom(b, binDir, true)
	for i, c := range cams {
		if _, errOut, err := p.cliB(b, "camera", "add", "--name", fmt.Sprintf("cam%02d", i), "--url", c.URL(), "--record", "off"); err != nil {
			b.Fatal(errOut)
		}
		// The pipeline alone (issue 2's figure): analysis and recording have benchmarks of their own
		// (pkg/motion, pkg/detect, internal/recorder); the test pattern moves all the time, so motion
		// would run detection on every keyframe of every camera.
		req, _ := http.NewRequest("PATCH", p.url+fmt.Sprintf("/api/cameras/cam%02d", i),
			strings.NewReader(benchAnalysis()))
		req.Header.Set("Authorization", "Bearer "+p.token)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			b.Fatalf("turn analysis off: %v %v", err, resp)
		} else {
			resp.Body.Close()
		}
	}
	// Wait until all stream, then attach one viewer each.
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("cam%02d", i)
		for {
			s, _ := p.statusB(b, id)
			if s.State == "streaming" && s.Keyframes > 1 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s not streaming: %+v", id, s)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var recvBytes [64]int64
	for i := 0; i < n; i++ {
		u := "ws" + strings.TrimPrefix(p.url, "http") + fmt.Sprintf("/api/cameras/cam%02d/live", i)
		ws, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + p.token}})
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ws.Close()
			go func() { <-stop; ws.Close() }()
			for {
				_, m, err := ws.ReadMessage()
				if err != nil {
					return
				}
				recvBytes[i] += int64(len(m))
			}
		}()
	}
	time.Sleep(5 * time.Second) // warm-up
	pids := append([]int{p.cmd.Process.Pid}, childPIDs(p.cmd.Process.Pid)...)
	c0, n0 := cpuOf(pids), cpuOf(pids[:1])
	profiled := benchProfile(b, p, window)
	time.Sleep(window)
	c1, n1 := cpuOf(pids), cpuOf(pids[:1])
	var rssSum, pssSum int64
	workers := 0
	for _, pid := range pids[1:] {
		if r := rssKB(pid); r > 0 {
			rssSum += r
			pssSum += pssKB(pid)
			workers++
		}
	}
	nvrdRSS := rssKB(pids[0])
	p50, p99 := latencyFromMetrics(b, p)
	profiled()
	close(stop)
	wg.Wait()
	for i := 0; i < n; i++ {
		if recvBytes[i] == 0 {
			b.Fatalf("viewer %d received nothing", i)
		}
	}
	cpuPct := float64(c1-c0) / 100 / window.Seconds() * 100 // ticks are 1/100 s
	r := loadResult{total: cpuPct / float64(n), nvrd: float64(n1-n0) / 100 / window.Seconds() * 100 / float64(n),
		nvrdRSS: float64(nvrdRSS) / 1024, p50: p50 * 1000, p99: p99 * 1000}
	r.workers = r.total - r.nvrd
	if workers > 0 {
		r.rss = float64(rssSum) / float64(workers) / 1024
		r.pss = float64(pssSum) / float64(workers) / 1024
	}
	p.stopB(b)
	return r
}

func startNVRDForBench(b *testing.B) *nvrdProc { return launchNVRD(b, true) }

// childPIDs lists the direct children of pid (the workers).
func childPIDs(pid int) []int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		// Go's runtime threads: children may hang off any task.
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	seen := map[int]bool{}
	for _, n := range out {
		seen[n] = true
	}
	for _, t := range tasks {
		bb, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(bb)) {
			if n, err := strconv.Atoi(f); err == nil && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// cpuOf sums utime+stime clock ticks of the processes.
func cpuOf(pids []int) int64 {
	var sum int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		sum += u + st
	}
	return sum
}

func rssKB(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(sc.Text())[1], 10, 64)
			return v
		}
	}
	return 0
}

// pssKB is the proportional set size of pid: its resident memory with each page shared with other
// processes (the libraries all workers map) counted as a share, so N workers cost N × PSS.
func pssKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Pss:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

// latencyFromMetrics returns the worst camera's p50 and p99 added latency in seconds.
func latencyFromMetrics(b *testing.B, p *nvrdProc) (p50, p99 float64) {
	resp, err := p.get(b, "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch {
		case strings.HasPrefix(line, "nvr_live_added_latency_p50_seconds{"):
			p50 = max(p50, v)
		case strings.HasPrefix(line, "nvr_live_added_latency_p99_seconds{"):
			p99 = max(p99, v)
		}
	}
	return
}

// BenchmarkGStreamerBaseline measures the bare GStreamer pipeline the worker runs (gst-launch-1.0, same
// elements, fakesink instead of the FIFO and appsink) on the same 1080p camera, the same way: the floor
// under %core/camera above.
func BenchmarkGStreamerBaseline(b *testing.B) {
	if skipReason != "" {
		testskip.Skip(b, skipReason, "run make setup")
	}
	hdClipOnce.Do(func() {
		hdClip, hdClipErr = testcam.Encode(filepath.Join(repoRoot, ".cache", "testclips"),
			testcam.Clip{Width: 1920, Height: 1080, FPS: 25, KeyInt: 25, BitrateKbps: 4000, Frames: 250,
				Source: "videotestsrc pattern=smpte horizontal-speed=4 num-buffers=250"})
	})
	if hdClipErr != nil {
		b.Fatal(hdClipErr)
	}
	window := 30 * time.Second
	if s, err := strconv.Atoi(os.Getenv("NVR_BENCH_SECONDS")); err == nil && s > 0 {
		window = time.Duration(s) * time.Second
	}
	for i := 0; i < b.N; i++ {
		c, err := testcam.Start(testcam.Options{AUs: hdClip, FPS: 25})
		if err != nil {
			b.Fatal(err)
		}
		for _, v := range []struct{ name, tail string }{
			{"ingest+mux", ""},
			{"ingest+mux+keyframe-jpeg", "t. ! queue leaky=downstream ! identity drop-buffer-flags=delta-unit ! avdec_h264 max-threads=1 ! videoconvert ! jpegenc ! fakesink"},
		} {
			args := strings.Fields("-q rtspsrc location=" + c.URL() + " protocols=tcp latency=100 ! rtph264depay ! h264parse config-interval=-1 ! " +
				"video/x-h264,stream-format=byte-stream,alignment=au ! tee name=t t. ! queue ! mpegtsmux ! fakesink " + v.tail)
			cmd := execCommand("gst-launch-1.0", args...)
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			time.Sleep(5 * time.Second)
			c0 := cpuOf([]int{cmd.Process.Pid})
			time.Sleep(window)
			c1 := cpuOf([]int{cmd.Process.Pid})
			cmd.Process.Kill()
			cmd.Wait()
			b.ReportMetric(float64(c1-c0)/100/window.Seconds()*100, "%core-"+v.name)
		}
		c.Close()
	}
}

var execCommand = exec.Command
