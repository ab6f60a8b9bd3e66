package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"
)

// benchAnalysis is the analysis the camera load benchmarks set on every camera: none by default (the
// pipeline alone); NVR_BENCH_MOTION=1 turns motion on (detection stays off: the moving test pattern
// would run it on every keyframe), as issue 17's nvrd figure is measured.
func benchAnalysis() string {
	if os.Getenv("NVR_BENCH_MOTION") == "1" {
		return `{"motion":{"enabled":true},"detect":{"enabled":false}}`
	}
	return `{"motion":{"enabled":false},"detect":{"enabled":false}}`
}

// benchProfile, when NVR_BENCH_PPROF names a file, takes a CPU profile of nvrd over the measuring
// window from its /debug/pprof/profile (as an administrator) and writes it there; the returned
// function waits for it. Read it with go tool pprof -top bin/nvrd FILE.
func benchProfile(b *testing.B, p *nvrdProc, window time.Duration) (wait func()) {
	path := os.Getenv("NVR_BENCH_PPROF")
	if path == "" {
		return func() {}
	}
	if p.bin != "" {
		path += ".base" // the baseline build's (NVR_BENCH_BASELINE_BIN)
	}
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", p.url, int(window.Seconds())), nil)
		req.Header.Set("Authorization", "Bearer "+p.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			done <- fmt.Errorf("HTTP %d", resp.StatusCode)
			return
		}
		body, err := io.ReadAll(resp.Body)
		if err == nil {
			err = os.WriteFile(path, body, 0o644)
		}
		done <- err
	}()
	return func() {
		if err := <-done; err != nil {
			b.Errorf("the CPU profile of nvrd: %v", err)
		}
	}
}
