package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// realcamBaseline is NVR_BENCH_BASELINE_BIN: a directory holding another build's nvrd and nvr-worker
// (say main's: cd ../main && go build -o DIR ./cmd/nvrd ./cmd/nvr-worker). BenchmarkRealCameras then
// measures each variant with those binaries too, right before this build's, and reports the ratio.
func realcamBaseline(b *testing.B) string {
	dir := os.Getenv("NVR_BENCH_BASELINE_BIN")
	if dir == "" {
		return ""
	}
	for _, n := range []string{"nvrd", "nvr-worker"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			b.Fatalf("NVR_BENCH_BASELINE_BIN: %v", err)
		}
	}
	return dir
}

// withBins runs fn with the harness's nvrd and nvr-worker swapped for the ones in dir ("" keeps them).
// Benchmarks run one at a time, so swapping the harness's globals is safe here.
func withBins(dir string, fn func()) {
	if dir == "" {
		fn()
		return
	}
	nvrd, worker := nvrdBin, workerBin
	nvrdBin, workerBin = filepath.Join(dir, "nvrd"), filepath.Join(dir, "nvr-worker")
	defer func() { nvrdBin, workerBin = nvrd, worker }()
	fn()
}

// realcamPicked reports whether NVR_BENCH_VARIANTS (comma-separated names, empty for all) picks the
// variant; the relay floor is always measured.
func realcamPicked(name string) bool {
	pick := os.Getenv("NVR_BENCH_VARIANTS")
	return pick == "" || name == "relay" || slices.Contains(strings.Split(pick, ","), name)
}

// realcamMedian is the middle of xs (the mean of the two middle ones for an even count).
func realcamMedian(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
