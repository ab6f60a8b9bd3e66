package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// threadCPU is the CPU ticks (user+sys, 1/100 s) of every thread of pids, summed by process and thread
// name ("nvr-worker/subsrc:src"): GStreamer names its streaming threads after the element's pad, so this
// says which part of the worker pipeline the time goes to.
func threadCPU(pids []int) map[string]int64 {
	out := map[string]int64{}
	for _, pid := range pids {
		proc, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
		for _, t := range tasks {
			b, err := os.ReadFile(t)
			if err != nil {
				continue
			}
			s := string(b)
			open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
			if open < 0 || end < open {
				continue
			}
			f := strings.Fields(s[end+2:])
			u, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			name := strings.TrimSpace(string(proc)) + "/" + strings.TrimRight(s[open+1:end], "0123456789")
			out[name] += u + st
		}
	}
	return out
}

// logThreadCPU logs the CPU each thread name took between two threadCPU readings, in % of one core per
// camera over seconds, biggest first (NVR_BENCH_THREADS=1).
func logThreadCPU(b *testing.B, before, after map[string]int64, cameras int, seconds float64) {
	type row struct {
		name string
		pct  float64
	}
	var rows []row
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			rows = append(rows, row{k, float64(d) / seconds / float64(cameras)})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].pct > rows[j].pct })
	var sb strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&sb, "\n  %6.3f %%core/camera  %s", r.pct, r.name)
	}
	b.Logf("CPU by thread:%s", sb.String())
}
