package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestMetricsEndpoint scrapes /metrics of a real server: administrators only, Prometheus text format
// with the Go runtime and process collectors.
func TestMetricsEndpoint(t *testing.T) {
	e := newEnv(t)
	if code, _ := e.do(t, "GET", "/metrics", e.with, "", nil); code != http.StatusForbidden {
		t.Fatalf("a viewer scraping /metrics: HTTP %d, want 403", code)
	}
	if code, _ := e.do(t, "GET", "/metrics", "", "", nil); code != http.StatusUnauthorized {
		t.Fatalf("scraping /metrics without a token: HTTP %d, want 401", code)
	}
	code, body := e.do(t, "GET", "/metrics", e.admin, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: HTTP %d %s", code, body)
	}
	for _, want := range []string{"# TYPE go_goroutines gauge", "go_goroutines ", "go_memstats_heap_alloc_bytes ",
		"process_open_fds ", "process_resident_memory_bytes ", "process_cpu_seconds_total "} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestCameraCollector checks every per-camera metric name, type and value, and that a camera the
// supervisor does not run has none.
func TestCameraCollector(t *testing.T) {
	samples := map[string]cameraSample{
		"yard": {Up: true, BytesIn: 12345678, Keyframes: 42, Restarts: 3, BitrateBPS: 4000000, Viewers: 2,
			LatencyP50: 0.004, LatencyP99: 0.032, MotionScore: 0.25, RecordingBytes: 999, Recording: true},
	}
	sample := func(id string) (cameraSample, bool) { s, ok := samples[id]; return s, ok }
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(newCameraCollector([]string{"yard", "house"}, sample, true, true))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		typ dto.MetricType
		val float64
	}
	G, C := dto.MetricType_GAUGE, dto.MetricType_COUNTER
	wants := map[string]want{
		"nvr_camera_up": {G, 1}, "nvr_camera_bytes_in_total": {C, 12345678}, "nvr_camera_keyframes_total": {C, 42},
		"nvr_camera_restarts_total": {C, 3}, "nvr_camera_bitrate_bps": {G, 4000000}, "nvr_live_viewers": {G, 2},
		"nvr_live_added_latency_p50_seconds": {G, 0.004}, "nvr_live_added_latency_p99_seconds": {G, 0.032},
		"nvr_motion_score": {G, 0.25}, "nvr_recording_bytes_written_total": {C, 999}, "nvr_recording_active": {G, 1},
	}
	seen := map[string]bool{}
	for _, mf := range mfs {
		w, ok := wants[mf.GetName()]
		if !ok {
			t.Errorf("unexpected metric %s", mf.GetName())
			continue
		}
		seen[mf.GetName()] = true
		if mf.GetType() != w.typ || len(mf.Metric) != 1 {
			t.Errorf("%s: type %v with %d samples, want %v with one (yard's)", mf.GetName(), mf.GetType(), len(mf.Metric), w.typ)
			continue
		}
		m := mf.Metric[0]
		v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
		if len(m.Label) != 1 || m.Label[0].GetName() != "camera" || m.Label[0].GetValue() != "yard" || v != w.val {
			t.Errorf("%s: %v = %g, want camera=yard = %g", mf.GetName(), m.Label, v, w.val)
		}
	}
	for name := range wants {
		if !seen[name] {
			t.Errorf("metric %s is missing", name)
		}
	}

	// Without the event engine and the recorder, their families are left out.
	reg = prometheus.NewPedanticRegistry()
	reg.MustRegister(newCameraCollector([]string{"yard"}, sample, false, false))
	if mfs, err = reg.Gather(); err != nil || len(mfs) != 8 {
		t.Fatalf("without analysis and recorder: %d families (%v), want 8", len(mfs), err)
	}
}
