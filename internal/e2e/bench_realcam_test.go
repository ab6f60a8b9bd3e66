package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nvrproject/nvr/internal/api"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// BenchmarkRealCameras (issue 14): CPU per camera all-in (nvrd and its workers, user+sys from /proc)
// at N simulated 1080p25 4 Mbit/s cameras with a live viewer each, motion and detection off (so the
// figures are the pipeline's) unless said, measured one variant after the other in the same run:
//   - relay: the worker's keyframe branch closed (NVR_WORKER_RELAY_ONLY=1): the pure-relay floor;
//   - main-analysis: 1080p keyframes decoded to JPEG, as a camera without substream;
//   - sub-analysis: the same camera with a 640×360 substream in the same worker, its keyframes
//     decoded instead of the main stream's, nobody watching the substream (so the worker does not
//     relay it: issue 14's "analysis with a substream" over the relay floor);
//   - sub-relay: both streams relayed, neither decoded, with a viewer on each (the substream's own
//     floor: the grid tiles' stream), so sub-grid minus sub-relay is what analysing the substream
//     costs;
//   - sub-grid: sub-analysis with a second viewer per camera on the substream (a grid tile), so the
//     substream is relayed too (with nobody on it, the worker keeps its TS branch idle);
//   - sub-defaults: sub-analysis with the camera's default analysis settings (motion on, detection as
//     configured by default): issue 17's all-in figure with a substream;
//   - aac: main analysis with the camera's AAC audio passed through;
//   - g711: main analysis with G.711 (PCMA) audio transcoded to AAC in the worker.
//
// Each variant reports %core/camera and its ratio to the relay floor and the difference above it.
// N is NVR_BENCH_CAMERAS (default 16), the window NVR_BENCH_SECONDS (default 30); NVR_BENCH_THREADS=1
// logs each variant's CPU by process and thread name (run with -v to see them all);
// NVR_BENCH_VARIANTS=a,b measures only those (and the relay floor). NVR_BENCH_BASELINE_BIN=DIR measures
// every variant with DIR's nvrd and nvr-worker too, just before this build's, reported as
// "<variant>-base" with the ratio "x-base-<variant>". NVR_BENCH_ROUNDS=R measures everything R times,
// round after round, and reports the medians (the ratio: the median of the rounds' ratios).
func BenchmarkRealCameras(b *testing.B) {
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
	sub, err := testcam.Encode(filepath.Join(repoRoot, ".cache", "testclips"),
		testcam.Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 25, BitrateKbps: 500, Frames: 250,
			Source: "videotestsrc pattern=smpte horizontal-speed=4 num-buffers=250"})
	if err != nil {
		b.Fatal(err)
	}
	aac, err := testcam.EncodeAAC(filepath.Join(repoRoot, ".cache", "testclips"))
	if err != nil {
		b.Fatal(err)
	}
	n := 16
	if v, err := strconv.Atoi(os.Getenv("NVR_BENCH_CAMERAS")); err == nil && v > 0 {
		n = v
	}
	window := 30 * time.Second
	if s, err := strconv.Atoi(os.Getenv("NVR_BENCH_SECONDS")); err == nil && s > 0 {
		window = time.Duration(s) * time.Second
	}
	type camURLs struct{ main, sub string }
	dual := func() (camURLs, func(), error) {
		d, err := testcam.StartDual(testcam.Options{AUs: hdClip, FPS: 25}, testcam.Options{AUs: sub, FPS: 25})
		if err != nil {
			return camURLs{}, nil, err
		}
		return camURLs{main: d.MainURL(), sub: d.SubURL()}, d.Close, nil
	}
	variants := []struct {
		name    string
		relay   bool
		start   func() (camURLs, func(), error)
		subView bool // a second viewer per camera on the substream
		asIs    bool // the camera's default analysis settings (motion on), not both off
	}{
		{"relay", true, func() (camURLs, func(), error) {
			c, err := testcam.Start(testcam.Options{AUs: hdClip, FPS: 25})
			if err != nil {
				return camURLs{}, nil, err
			}
			return camURLs{main: c.URL()}, c.Close, nil
		}, false, false},
		{"main-analysis", false, func() (camURLs, func(), error) {
			c, err := testcam.Start(testcam.Options{AUs: hdClip, FPS: 25})
			if err != nil {
				return camURLs{}, nil, err
			}
			return camURLs{main: c.URL()}, c.Close, nil
		}, false, false},
		{"sub-analysis", false, dual, false, false},
		{"sub-relay", true, dual, true, false},
		{"sub-grid", false, dual, true, false},
		{"sub-defaults", false, dual, false, true},
		{"aac", false, func() (camURLs, func(), error) {
			c, err := testcam.Start(testcam.Options{AUs: hdClip, FPS: 25, Audio: testcam.AudioAAC, AAC: aac})
			if err != nil {
				return camURLs{}, nil, err
			}
			return camURLs{main: c.URL()}, c.Close, nil
		}, false, false},
		{"g711", false, func() (camURLs, func(), error) {
			c, err := testcam.Start(testcam.Options{AUs: hdClip, FPS: 25, Audio: testcam.AudioPCMA})
			if err != nil {
				return camURLs{}, nil, err
			}
			return camURLs{main: c.URL()}, c.Close, nil
		}, false, false},
	}
	base := realcamBaseline(b)
	rounds := 1
	if r, err := strconv.Atoi(os.Getenv("NVR_BENCH_ROUNDS")); err == nil && r > 0 {
		rounds = r
	}
	for i := 0; i < b.N; i++ {
		all := map[string][]float64{} // %core/camera by variant ("…-base" for the baseline's), per round
		vsBase := map[string][]float64{}
		for round := 0; round < rounds; round++ {
			for _, v := range variants {
				if !realcamPicked(v.name) {
					continue
				}
				if v.subView && 2*n+8 > api.DefaultPerAddr {
					// Two sockets per camera from 127.0.0.1 and the status polls would pass nvrd's
					// per-address connection cap (a browser's grid holds one per tile).
					if round == 0 {
						b.Logf("variant %s left out: %d viewers from one address pass nvrd's cap of %d", v.name, 2*n, api.DefaultPerAddr)
					}
					continue
				}
				measure := func(bins string) float64 {
					urls := make([]camURLs, n)
					for k := range urls {
						u, stop, err := v.start()
						if err != nil {
							b.Fatal(err)
						}
						defer stop()
						urls[k] = u
					}
					if v.relay {
						b.Setenv("NVR_WORKER_RELAY_ONLY", "1")
					} else {
						os.Unsetenv("NVR_WORKER_RELAY_ONLY")
					}
					var pct float64
					withBins(bins, func() {
						b.Logf("variant %s%s:", v.name, map[bool]string{true: " (baseline binaries)"}[bins != ""])
						pct = measureRealCameras(b, urls, window, func(u camURLs) (string, string) { return u.main, u.sub }, v.subView, v.asIs)
					})
					return pct / float64(n)
				}
				pct, bp := 0.0, 0.0
				if base != "" {
					// The baseline's figure for the same variant, just before this build's.
					bp = measure(base)
					all[v.name+"-base"] = append(all[v.name+"-base"], bp)
				}
				pct = measure("")
				all[v.name] = append(all[v.name], pct)
				if bp > 0 {
					vsBase[v.name] = append(vsBase[v.name], pct/bp)
				}
				if bp > 0 {
					b.Logf("round %d %s: %.3f %%core/camera (baseline %.3f, ×%.3f)", round+1, v.name, pct, bp, pct/bp)
				} else {
					b.Logf("round %d %s: %.3f %%core/camera", round+1, v.name, pct)
				}
			}
		}
		got := map[string]float64{} // the median over the rounds
		for k, xs := range all {
			got[k] = realcamMedian(xs)
		}
		for _, sfx := range []string{"", "-base"} {
			floor, ok := got["relay"+sfx]
			if !ok {
				continue
			}
			for _, v := range variants {
				pct, ok := got[v.name+sfx]
				if !ok {
					continue
				}
				b.ReportMetric(pct, "%core/camera-"+v.name+sfx)
				if v.name != "relay" {
					b.ReportMetric(pct/floor, "x-relay-"+v.name+sfx)
					b.ReportMetric(pct-floor, "%core-above-relay-"+v.name+sfx)
				}
				if r, ok := vsBase[v.name]; ok && sfx == "" {
					b.ReportMetric(realcamMedian(r), "x-base-"+v.name) // the median of the rounds' ratios
				}
			}
			// What analysing the substream itself costs while a grid tile watches it: decoding its
			// keyframes, over relaying both streams.
			if g, ok := got["sub-grid"+sfx]; ok {
				if r, ok := got["sub-relay"+sfx]; ok {
					b.ReportMetric(g-r, "%core-sub-analysis-above-sub-relay"+sfx)
				}
			}
		}
		b.ReportMetric(float64(n), "cameras")
	}
}

// measureRealCameras runs one nvrd with a camera per entry of cams (url and optional sub_url from
// urls), a live viewer each on the main stream (and, with subView, one on the substream), and returns nvrd's and its workers' CPU over window in
// % of one core.
func measureRealCameras[T any](b *testing.B, cams []T, window time.Duration, urls func(T) (string, string), subView, asIs bool) float64 {
	p := startNVRDForBench(b)
	defer p.stopB(b)
	for i, c := range cams {
		main, sub := urls(c)
		args := []string{"camera", "add", "--name", fmt.Sprintf("cam%02d", i), "--url", main, "--record", "off"}
		if sub != "" {
			args = append(args, "--sub-url", sub)
		}
		if _, errOut, err := p.cliB(b, args...); err != nil {
			b.Fatal(errOut)
		}
		if asIs {
			continue
		}
		req, _ := http.NewRequest("PATCH", p.url+fmt.Sprintf("/api/cameras/cam%02d", i),
			strings.NewReader(`{"motion":{"enabled":false},"detect":{"enabled":false}}`))
		req.Header.Set("Authorization", "Bearer "+p.token)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			b.Fatalf("turn analysis off: %v %v", err, resp)
		} else {
			resp.Body.Close()
		}
	}
	deadline := time.Now().Add(90*time.Second + time.Duration(len(cams))*3*time.Second) // 32 cameras on a loaded box take a while
	for i := range cams {
		id := fmt.Sprintf("cam%02d", i)
		_, sub := urls(cams[i])
		for {
			s, _ := p.statusB(b, id)
			if s.State == "streaming" && s.BytesIn > 0 && (sub == "" || (s.Substream != nil && s.Substream.State == "streaming")) {
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
	var live []string
	for i := range cams {
		live = append(live, fmt.Sprintf("/api/cameras/cam%02d/live", i))
		if subView {
			live = append(live, fmt.Sprintf("/api/cameras/cam%02d/live?stream=sub", i))
		}
	}
	for _, path := range live {
		u := "ws" + strings.TrimPrefix(p.url, "http") + path
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
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(5 * time.Second) // warm-up
	pids := append([]int{p.cmd.Process.Pid}, childPIDs(p.cmd.Process.Pid)...)
	threads := os.Getenv("NVR_BENCH_THREADS") == "1"
	var t0 map[string]int64
	if threads {
		t0 = threadCPU(pids)
	}
	load0, _ := os.ReadFile("/proc/loadavg")
	c0 := cpuOf(pids)
	time.Sleep(window)
	c1 := cpuOf(pids)
	load1, _ := os.ReadFile("/proc/loadavg")
	b.Logf("machine load (/proc/loadavg) before %s, after %s", strings.TrimSpace(string(load0)), strings.TrimSpace(string(load1)))
	if threads {
		logThreadCPU(b, t0, threadCPU(pids), len(cams), window.Seconds())
	}
	return float64(c1-c0) / 100 / window.Seconds() * 100 // ticks are 1/100 s
}
