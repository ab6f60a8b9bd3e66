package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// handWrittenMetrics is the text writer /metrics had before client_golang, kept to compare scrape costs.
func handWrittenMetrics(w http.ResponseWriter, ids []string, sample func(string) (cameraSample, bool)) {
	var b strings.Builder
	type row struct {
		id string
		s  cameraSample
	}
	var rows []row
	for _, id := range ids {
		if s, ok := sample(id); ok {
			rows = append(rows, row{id, s})
		}
	}
	metric := func(name, typ, help string, val func(cameraSample) string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, r := range rows {
			fmt.Fprintf(&b, "%s{camera=%q} %s\n", name, r.id, val(r.s))
		}
	}
	bit := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	metric("nvr_camera_up", "gauge", "1 while the camera is streaming.", func(s cameraSample) string { return bit(s.Up) })
	metric("nvr_camera_bytes_in_total", "counter", "MPEG-TS bytes received from the camera's worker.", func(s cameraSample) string { return fmt.Sprint(s.BytesIn) })
	metric("nvr_camera_keyframes_total", "counter", "Keyframes received.", func(s cameraSample) string { return fmt.Sprint(s.Keyframes) })
	metric("nvr_camera_restarts_total", "counter", "Worker restarts.", func(s cameraSample) string { return fmt.Sprint(s.Restarts) })
	metric("nvr_camera_bitrate_bps", "gauge", "Stream bitrate over the last 2 s.", func(s cameraSample) string { return fmt.Sprint(s.BitrateBPS) })
	metric("nvr_live_viewers", "gauge", "Connected live viewers.", func(s cameraSample) string { return fmt.Sprint(s.Viewers) })
	metric("nvr_live_added_latency_p50_seconds", "gauge", "Median time from FIFO read to WebSocket write.", func(s cameraSample) string { return fmt.Sprintf("%g", s.LatencyP50) })
	metric("nvr_live_added_latency_p99_seconds", "gauge", "99th percentile time from FIFO read to WebSocket write.", func(s cameraSample) string { return fmt.Sprintf("%g", s.LatencyP99) })
	metric("nvr_motion_score", "gauge", "Motion score of the latest keyframe.", func(s cameraSample) string { return fmt.Sprintf("%g", s.MotionScore) })
	metric("nvr_recording_bytes_written_total", "counter", "Recording bytes written.", func(s cameraSample) string { return fmt.Sprint(s.RecordingBytes) })
	metric("nvr_recording_active", "gauge", "1 while a recording is open.", func(s cameraSample) string { return bit(s.Recording) })
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}

// BenchmarkMetricsScrape renders /metrics for 16 cameras: the former hand-written text writer, and
// client_golang with the camera collector alone and with the Go runtime and process collectors that
// /metrics now serves too. The store query and auth in front of it are the same for all.
func BenchmarkMetricsScrape(b *testing.B) {
	var ids []string
	for i := range 16 {
		ids = append(ids, fmt.Sprintf("camera-%02d", i))
	}
	sample := func(id string) (cameraSample, bool) {
		return cameraSample{Up: true, BytesIn: 123456789, Keyframes: 3600, Restarts: 1, BitrateBPS: 4000000, Viewers: 1,
			LatencyP50: 0.002, LatencyP99: 0.016, MotionScore: 0.01, RecordingBytes: 987654321, Recording: true}, true
	}
	req := httptest.NewRequest("GET", "/metrics", nil)
	run := func(b *testing.B, serve func(w http.ResponseWriter)) {
		b.ReportAllocs()
		for range b.N {
			w := httptest.NewRecorder()
			serve(w)
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `nvr_recording_active{camera="camera-15"} 1`) {
				b.Fatalf("HTTP %d:\n%s", w.Code, w.Body)
			}
		}
	}
	b.Run("hand-written", func(b *testing.B) {
		run(b, func(w http.ResponseWriter) { handWrittenMetrics(w, ids, sample) })
	})
	clientGolang := func(gs ...prometheus.Gatherer) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			reg := prometheus.NewRegistry()
			reg.MustRegister(newCameraCollector(ids, sample, true, true))
			promhttp.HandlerFor(append(prometheus.Gatherers{reg}, gs...), promhttp.HandlerOpts{}).ServeHTTP(w, req)
		}
	}
	b.Run("client_golang-cameras", func(b *testing.B) { run(b, clientGolang()) })
	b.Run("client_golang-with-runtime", func(b *testing.B) { run(b, clientGolang(runtimeGatherer())) })
}
