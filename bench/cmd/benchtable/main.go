// Command benchtable runs nvr's Go benchmarks (`make bench`), prints one table and writes
// bench/results/<package>.json with every metric of every benchmark.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// suite is one `go test -bench` run.
type suite struct {
	pkg       string
	bench     string
	benchtime string
}

var suites = []suite{
	{"./pkg/mpegts/", ".", "1s"},
	{"./pkg/motion/", ".", "100x"},
	{"./pkg/qr/", ".", "20x"},
	{"./pkg/detect/", ".", "30x"},
	{"./pkg/jpegscale/", ".", "100x"},
	{"./pkg/segments/", ".", "1s"},                                        // BenchmarkExportMP4Writers: the export's box writer against mediacommon's fmp4.Part
	{"./internal/api/", "BenchmarkMetricsScrape|BenchmarkTimeline", "1s"}, // /metrics: former hand-written text against client_golang; timeline API over 30 days
	{"./internal/recorder/", ".", "3x"},
	{"./internal/events/", ".", "20x"},
	{"./internal/e2e/", "BenchmarkGStreamerBaseline|BenchmarkCameras(1|8|16)$|BenchmarkFailingCamerasCPU|BenchmarkBrowserLive|BenchmarkTimelineSeek", "1x"},
	{"./internal/e2e/", "BenchmarkRealCameras", "1x"}, // issue 14: relay floor vs main/sub analysis vs AAC/G.711 at 16 cameras
	// The web app's quality bar (issue 11): glass-to-glass latency of the live tile (NVR_LATENCY_SECONDS=600
	// for the 10-minute drift run) and the 16-tile 1080p grid in Chromium. Results in internal_e2e_BenchmarkGlassToGlass_BenchmarkBrowserGrid16.json.
	{"./internal/e2e/", "BenchmarkGlassToGlass|BenchmarkBrowserGrid16", "1x"},
}

// Result is one benchmark's figures.
type Result struct {
	Name    string             `json:"name"`
	Iters   int64              `json:"iterations"`
	Metrics map[string]float64 `json:"metrics"` // unit → value (ns/op, B/op, allocs/op, custom units)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	if err := os.MkdirAll("bench/results", 0o755); err != nil {
		return err
	}
	only := os.Getenv("BENCH_PKG")
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "package\tbenchmark\tfigures")
	written := map[string]bool{}
	for _, s := range suites {
		if only != "" && !strings.Contains(s.pkg, only) {
			continue
		}
		if _, err := os.Stat(s.pkg); err != nil {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: %s ...\n", s.pkg)
		var out bytes.Buffer
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", s.bench, "-benchtime", s.benchtime, "-benchmem", "-timeout", "60m", s.pkg)
		cmd.Stdout = io.MultiWriter(&out, os.Stderr)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("benchmarks of %s failed: %w", s.pkg, err)
		}
		results := parse(out.String())
		name := strings.ReplaceAll(strings.Trim(s.pkg, "./"), "/", "_")
		if written[name] { // a second suite of the same package: its own file, named by its benchmarks
			name += "_" + strings.Trim(nonWord.ReplaceAllString(s.bench, "_"), "_")
		}
		written[name] = true
		b, _ := json.MarshalIndent(map[string]any{"package": s.pkg, "time": time.Now().UTC().Format(time.RFC3339), "results": results}, "", "  ")
		if err := os.WriteFile(filepath.Join("bench", "results", name+".json"), b, 0o644); err != nil {
			return err
		}
		for _, r := range results {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.pkg, r.Name, format(r.Metrics))
		}
	}
	return tw.Flush()
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// parse reads `go test -bench` output lines: name, iterations, then value-unit pairs.
func parse(out string) []Result {
	var rs []Result
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		iters, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		r := Result{Name: f[0], Iters: iters, Metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				r.Metrics[f[i+1]] = v
			}
		}
		rs = append(rs, r)
	}
	return rs
}

func format(m map[string]float64) string {
	var parts []string
	for _, k := range []string{"ns/op", "allocs/op"} {
		if v, ok := m[k]; ok {
			if k == "ns/op" {
				parts = append(parts, fmt.Sprintf("%s/op", time.Duration(v).Round(time.Microsecond)))
			} else {
				parts = append(parts, fmt.Sprintf("%g %s", v, k))
			}
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "ns/op" && k != "allocs/op" && k != "B/op" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%.3g %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}
