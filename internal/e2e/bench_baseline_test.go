package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Same-run baselines for the camera load benchmarks. With NVR_BENCH_BASELINE_BIN naming a directory
// that holds another build's nvrd and nvr-worker (for example main's:
// `cd ../main && go build -o DIR/ ./cmd/nvrd ./cmd/nvr-worker`), every load run is made with the
// baseline binaries and with this tree's, alternating (base, new, then new, base, … for
// NVR_BENCH_ROUNDS rounds, default 1), so both see the same machine load. The new build's figures are
// reported under their usual names (means over the rounds), the baseline's as "base:<unit>", and the
// ratios new/base as "ratio:<unit>"; "loadavg" is the 1-minute load average over the runs.
// NVR_BENCH_PPROF=FILE then saves FILE.base for the baseline runs and FILE for the new ones (the last
// round's).

// benchCollect, while a baselined run is in progress, takes the figures benchMetric is given instead of
// the benchmark; benchmarks run one at a time, so one collector is enough.
var benchCollect map[string]float64

// benchMetric reports one figure of a load run: to b, or to the baselined run collecting it.
func benchMetric(b *testing.B, v float64, unit string) {
	if benchCollect != nil {
		benchCollect[unit] = v
		return
	}
	b.ReportMetric(v, unit)
}

// withBaseline runs one load run by calling run, with the baseline binaries alternated in when
// NVR_BENCH_BASELINE_BIN is set (see above); without it run runs once, as before.
func withBaseline(b *testing.B, run func()) {
	dir := os.Getenv("NVR_BENCH_BASELINE_BIN")
	if dir == "" {
		run()
		return
	}
	baseNVRD, baseWorker := filepath.Join(dir, "nvrd"), filepath.Join(dir, "nvr-worker")
	for _, f := range []string{baseNVRD, baseWorker} {
		if _, err := os.Stat(f); err != nil {
			b.Fatalf("NVR_BENCH_BASELINE_BIN: %v (it must hold nvrd and nvr-worker)", err)
		}
	}
	rounds := 1
	if r, err := strconv.Atoi(os.Getenv("NVR_BENCH_ROUNDS")); err == nil && r > 0 {
		rounds = r
	}
	newNVRD, newWorker := nvrdBin, workerBin
	profile := os.Getenv("NVR_BENCH_PPROF")
	defer func() {
		nvrdBin, workerBin, benchCollect = newNVRD, newWorker, nil
		if profile != "" {
			os.Setenv("NVR_BENCH_PPROF", profile)
		}
	}()
	sums := map[bool]map[string]float64{false: {}, true: {}}
	var load float64
	for i, base := range baselineOrder(rounds) {
		nvrdBin, workerBin = newNVRD, newWorker
		if base {
			nvrdBin, workerBin = baseNVRD, baseWorker
		}
		if profile != "" {
			p := profile
			if base {
				p += ".base"
			}
			os.Setenv("NVR_BENCH_PPROF", p)
		}
		benchCollect = map[string]float64{}
		l0 := loadAvg()
		run()
		if all := benchCollect["%core/camera"]; all > 0 {
			// nvrd's part of the all-in CPU: less sensitive to a starved machine than either alone.
			benchCollect["nvrd-share"] = benchCollect["%core-nvrd/camera"] / all
		}
		l := (l0 + loadAvg()) / 2
		load += l
		for unit, v := range benchCollect {
			sums[base][unit] += v
		}
		b.Logf("run %d (%s, load %.1f): %s", i+1, map[bool]string{false: "new", true: "base"}[base], l, formatFigures(benchCollect))
	}
	benchCollect = nil
	for unit, v := range sums[false] {
		mean := v / float64(rounds)
		b.ReportMetric(mean, unit)
		bm := sums[true][unit] / float64(rounds)
		b.ReportMetric(bm, "base:"+unit)
		if bm != 0 {
			b.ReportMetric(mean/bm, "ratio:"+unit)
		}
	}
	b.ReportMetric(load/float64(2*rounds), "loadavg")
}

// baselineOrder is the order of the runs for rounds rounds: base, new, new, base, base, new, … (true
// for the baseline), so a load that drifts during the runs weighs on both alike.
func baselineOrder(rounds int) []bool {
	var out []bool
	for r := range rounds {
		first := r%2 == 0 // base first in even rounds
		out = append(out, first, !first)
	}
	return out
}

// loadAvg is the machine's 1-minute load average (0 if unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// formatFigures lists figures by unit, for the log.
func formatFigures(m map[string]float64) string {
	units := make([]string, 0, len(m))
	for u := range m {
		units = append(units, u)
	}
	sort.Strings(units)
	var sb strings.Builder
	for _, u := range units {
		fmt.Fprintf(&sb, "%.4g %s  ", m[u], u)
	}
	return strings.TrimSpace(sb.String())
}

func TestBaselineOrderAlternates(t *testing.T) {
	got := fmt.Sprint(baselineOrder(3))
	if want := "[true false false true true false]"; got != want {
		t.Fatalf("baselineOrder(3) = %s, want %s", got, want)
	}
}

// analysedKeyframes sums, over the n cameras of a load run, the keyframes the event engine analysed
// and those it dropped for being behind (the camera JSON's analysis), so runs on a starved machine can
// be told apart: an nvrd that analyses fewer keyframes costs less.
func analysedKeyframes(b *testing.B, p *nvrdProc, n int) (analysed, dropped int64) {
	for i := range n {
		resp, err := p.get(b, fmt.Sprintf("/api/cameras/cam%02d/status", i))
		if err != nil {
			b.Fatal(err)
		}
		var c struct {
			Analysis *struct {
				Keyframes     int64 `json:"keyframes"`
				FramesDropped int64 `json:"frames_dropped"`
			} `json:"analysis"`
		}
		err = json.NewDecoder(resp.Body).Decode(&c)
		resp.Body.Close()
		if err != nil {
			b.Fatalf("camera cam%02d: %v", i, err)
		}
		if c.Analysis != nil {
			analysed += c.Analysis.Keyframes
			dropped += c.Analysis.FramesDropped
		}
	}
	return analysed, dropped
}
