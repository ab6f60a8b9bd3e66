package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sample is one look at nvrd: goroutines from /metrics, fds and RSS from /proc.
type sample struct {
	T          float64 // seconds on the soak's clock
	PID        int
	Goroutines float64
	FDs        float64
	RSS        float64 // bytes
	HeapInuse  float64 // bytes, go_memstats_heap_inuse_bytes (reported, not judged)
}

type sampler struct {
	url, token string
	t0         time.Time

	mu      sync.Mutex
	samples []sample
}

func (sp *sampler) run(ctx context.Context, pid func() int) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		p := pid()
		if p == 0 {
			continue
		}
		sm, err := sp.take(ctx, p)
		if err != nil {
			continue // nvrd is restarting, or busy; a missing sample is not a failure
		}
		sp.mu.Lock()
		sp.samples = append(sp.samples, sm)
		sp.mu.Unlock()
	}
}

func (sp *sampler) take(ctx context.Context, pid int) (sample, error) {
	sm := sample{T: time.Since(sp.t0).Seconds(), PID: pid}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return sm, err
	}
	sm.FDs = float64(len(fds))
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return sm, err
	}
	for _, l := range strings.Split(string(st), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				sm.RSS = kb * 1024
			}
		}
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", sp.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+sp.token)
	resp, err := client.Do(req)
	if err != nil {
		return sm, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return sm, fmt.Errorf("/metrics: HTTP %d", resp.StatusCode)
	}
	m := parseMetrics(b)
	var ok bool
	if sm.Goroutines, ok = m["go_goroutines"]; !ok {
		return sm, fmt.Errorf("/metrics has no go_goroutines")
	}
	sm.HeapInuse = m["go_memstats_heap_inuse_bytes"]
	return sm, nil
}

// parseMetrics reads the unlabelled samples of a Prometheus text page.
func parseMetrics(b []byte) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' || strings.Contains(l, "{") {
			continue
		}
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[f[0]] = v
		}
	}
	return out
}

// Tolerances for "flat". The median of the last third of the measured span (after warm-up, of the
// nvrd process that runs at the end) may exceed the median of the first third by at most
// max(Abs, Rel × first). Medians shrug off a sample taken mid-burst or mid-reconnect; the absolute
// floor covers the churn of a quiet nvrd (a worker restart, a viewer reconnecting, a retention pass,
// Go's heap goal moving); the relative part scales with the camera count. A leak of one goroutine or fd
// per segment, per viewer message, or per request of the API burst, or of a few MB per minute, is well
// over these (see docs/design.md, "Soak").
type tolerance struct {
	Abs, Rel float64
}

var tolerances = map[string]tolerance{
	"goroutines": {Abs: 25, Rel: 0.15},
	"fds":        {Abs: 16, Rel: 0.15},
	"rss":        {Abs: 24 << 20, Rel: 0.25},
}

type metricVerdict struct {
	First   float64 `json:"first_third_median"`
	Last    float64 `json:"last_third_median"`
	Max     float64 `json:"max"`
	Allowed float64 `json:"allowed_growth"`
	OK      bool    `json:"ok"`
}

type resourceReport struct {
	PID          int                      `json:"pid"`
	Samples      int                      `json:"samples"`
	WarmupS      float64                  `json:"warmup_until_s"`
	FirstThird   [2]float64               `json:"first_third_s"`
	LastThird    [2]float64               `json:"last_third_s"`
	Metrics      map[string]metricVerdict `json:"metrics"`
	HeapInuseMiB [2]float64               `json:"heap_inuse_mib_first_last"`
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// judge compares the last third with the first third of the samples after warm-up.
func (sp *sampler) judge(s *soak, d time.Duration) *resourceReport {
	sp.mu.Lock()
	all := append([]sample{}, sp.samples...)
	sp.mu.Unlock()
	rep := &resourceReport{Metrics: map[string]metricVerdict{}}
	if len(all) == 0 {
		s.fail("no resource samples of nvrd were taken")
		return rep
	}
	pid := all[len(all)-1].PID
	warm := 0.30 * d.Seconds()
	end := d.Seconds()
	span := (end - warm) / 3
	rep.PID, rep.WarmupS = pid, warm
	rep.FirstThird = [2]float64{round1(warm), round1(warm + span)}
	rep.LastThird = [2]float64{round1(end - span), round1(end)}
	var first, last []sample
	for _, sm := range all {
		if sm.PID != pid || sm.T < warm {
			continue
		}
		rep.Samples++
		switch {
		case sm.T < warm+span:
			first = append(first, sm)
		case sm.T >= end-span:
			last = append(last, sm)
		}
	}
	if len(first) < 5 || len(last) < 5 {
		s.fail("too few resource samples to judge growth (%d in the first third, %d in the last; nvrd too busy to answer /metrics?)", len(first), len(last))
		return rep
	}
	pick := map[string]func(sample) float64{
		"goroutines": func(x sample) float64 { return x.Goroutines },
		"fds":        func(x sample) float64 { return x.FDs },
		"rss":        func(x sample) float64 { return x.RSS },
	}
	for name, f := range pick {
		var a, b []float64
		mx := 0.0
		for _, x := range first {
			a = append(a, f(x))
		}
		for _, x := range last {
			b = append(b, f(x))
			mx = max(mx, f(x))
		}
		tol := tolerances[name]
		v := metricVerdict{First: median(a), Last: median(b), Max: mx}
		v.Allowed = max(tol.Abs, tol.Rel*v.First)
		v.OK = v.Last-v.First <= v.Allowed
		if !v.OK {
			unit := ""
			if name == "rss" {
				unit = " bytes"
			}
			s.fail("nvrd's %s grew from %.0f to %.0f%s (median of the first vs the last third), more than the %.0f allowed", name, v.First, v.Last, unit, v.Allowed)
		}
		rep.Metrics[name] = v
	}
	var ha, hb []float64
	for _, x := range first {
		ha = append(ha, x.HeapInuse)
	}
	for _, x := range last {
		hb = append(hb, x.HeapInuse)
	}
	rep.HeapInuseMiB = [2]float64{round1(median(ha) / (1 << 20)), round1(median(hb) / (1 << 20))}
	return rep
}
