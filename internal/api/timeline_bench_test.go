package api

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// BenchmarkTimeline asks the timeline API (HTTP, real SQLite) for camera yard with 30 days of
// continuous 2 s segments (10-minute recordings, as the recorder rolls them: 1.3 million segments)
// and a motion event every 5 minutes (8,640), over the month, a week and a day, at 1000 steps each
// (a row as wide as a screen), each warm and cold (a fresh store per answer). Targets: under 50 ms
// and 50 KB per answer.
func BenchmarkTimeline(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	start := end.Add(-30 * 24 * time.Hour)
	const seg = 2 * time.Second
	segs := make([]store.SegEntry, int(10*time.Minute/seg))
	for i := range segs {
		segs[i] = store.SegEntry{Index: i, Offset: time.Duration(i) * seg, Duration: seg, Bytes: 500_000, Keyframes: 1}
	}
	for t := start; t.Before(end); t = t.Add(10 * time.Minute) {
		rec := &store.Recording{CameraID: "yard", Kind: store.KindContinuous, Reason: "continuous", Start: t, Dir: "yard/" + t.Format("20060102T150405")}
		if err := e.st.CreateRecording(ctx, rec); err != nil {
			b.Fatal(err)
		}
		if err := e.st.ReplaceSegments(ctx, rec.ID, t, segs); err != nil {
			b.Fatal(err)
		}
	}
	for t := start; t.Before(end); t = t.Add(5 * time.Minute) {
		ev := &store.Event{CameraID: "yard", Kind: store.EventMotion, Start: t.Add(time.Minute), End: t.Add(80 * time.Second)}
		if err := e.st.CreateEvent(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	// <window>-cold: every answer comes from a store opened afresh on the same file (a new SQLite
	// connection and nothing kept in nvrd's memory), as after a start. The OS page cache stays warm:
	// dropping it needs root.
	var dbPath string
	if err := e.st.DB().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&dbPath); err != nil {
		b.Fatal(err)
	}
	for _, w := range []struct {
		name string
		d    time.Duration
	}{{"month", 30 * 24 * time.Hour}, {"week", 7 * 24 * time.Hour}, {"day", 24 * time.Hour}} {
		b.Run(w.name+"-cold", func(b *testing.B) {
			q := url.Values{"since": {rfc(end.Add(-w.d))}, "until": {rfc(end)}, "step": {strconv.FormatFloat(w.d.Seconds()/1000, 'f', -1, 64)}}
			u := e.srv.URL + "/api/cameras/yard/timeline?" + q.Encode()
			keep := e.api.opt.Store
			defer func() { e.api.opt.Store = keep }()
			var n int64
			var cpu time.Duration // of the answers only, not of opening the stores
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				st, err := store.Open(filepath.Dir(dbPath))
				if err != nil {
					b.Fatal(err)
				}
				e.api.opt.Store = st
				b.StartTimer()
				c0 := cpuTime()
				req, _ := http.NewRequest("GET", u, nil)
				req.Header.Set("Authorization", "Bearer "+e.admin)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				b.StopTimer()
				cpu += cpuTime() - c0
				if resp.StatusCode != 200 {
					b.Fatalf("HTTP %d", resp.StatusCode)
				}
				e.api.opt.Store = keep
				st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n), "bytes/answer")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/answer")
		})
	}
	// The first answer over the month in this process (after month-cold).
	var first time.Duration
	for _, w := range []struct {
		name string
		d    time.Duration
	}{{"month", 30 * 24 * time.Hour}, {"week", 7 * 24 * time.Hour}, {"day", 24 * time.Hour}} {
		b.Run(w.name, func(b *testing.B) {
			q := url.Values{"since": {rfc(end.Add(-w.d))}, "until": {rfc(end)}, "step": {strconv.FormatFloat(w.d.Seconds()/1000, 'f', -1, 64)}}
			u := e.srv.URL + "/api/cameras/yard/timeline?" + q.Encode()
			var n int64
			var worst time.Duration
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				req, _ := http.NewRequest("GET", u, nil)
				req.Header.Set("Authorization", "Bearer "+e.admin)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("HTTP %d", resp.StatusCode)
				}
				worst = max(worst, time.Since(t0))
				if first == 0 {
					first = time.Since(t0)
				}
			}
			// CPU of the whole process (server and client) per answer: the figure the machine's load does
			// not inflate, unlike the times.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/answer")
			b.ReportMetric(float64(n), "bytes/answer")
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
			if w.name == "month" {
				b.ReportMetric(float64(first.Microseconds())/1000, "cold-first-ms")
			}
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
