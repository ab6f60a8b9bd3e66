package api

import (
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// runtimeGatherer is the process-wide registry of the Go runtime and process collectors.
var runtimeGatherer = sync.OnceValue(func() prometheus.Gatherer {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
})

// cameraSample is one camera's figures at a scrape.
type cameraSample struct {
	Up                     bool
	BytesIn, Keyframes     uint64
	Restarts, BitrateBPS   uint64
	Viewers                int
	LatencyP50, LatencyP99 float64 // seconds
	MotionScore            float64
	RecordingBytes         int64
	Recording              bool
}

// cameraMetric is one per-camera metric family: its description, type and how a sample gives its value.
type cameraMetric struct {
	desc  *prometheus.Desc
	typ   prometheus.ValueType
	value func(cameraSample) float64
}

// cameraCollector is a prometheus.Collector that asks sample for each camera's figures when scraped,
// so the hot path keeps no metric of its own: the supervisor, the live hub, the event engine and the
// recorder already count everything exposed.
type cameraCollector struct {
	ids     []string
	sample  func(id string) (cameraSample, bool)
	metrics []cameraMetric
}

// cameraMetrics are all per-camera families; motion and recording ones are left out without their source.
var cameraMetrics = sync.OnceValue(func() (ms struct{ base, motion, recording []cameraMetric }) {
	m := func(name, help string, typ prometheus.ValueType, v func(cameraSample) float64) cameraMetric {
		return cameraMetric{prometheus.NewDesc(name, help, []string{"camera"}, nil), typ, v}
	}
	gauge, counter := prometheus.GaugeValue, prometheus.CounterValue
	ms.base = []cameraMetric{
		m("nvr_camera_up", "1 while the camera is streaming.", gauge, func(c cameraSample) float64 { return b2f(c.Up) }),
		m("nvr_camera_bytes_in_total", "MPEG-TS bytes received from the camera's worker.", counter, func(c cameraSample) float64 { return float64(c.BytesIn) }),
		m("nvr_camera_keyframes_total", "Keyframes received.", counter, func(c cameraSample) float64 { return float64(c.Keyframes) }),
		m("nvr_camera_restarts_total", "Worker restarts.", counter, func(c cameraSample) float64 { return float64(c.Restarts) }),
		m("nvr_camera_bitrate_bps", "Stream bitrate over the last 2 s.", gauge, func(c cameraSample) float64 { return float64(c.BitrateBPS) }),
		m("nvr_live_viewers", "Connected live viewers.", gauge, func(c cameraSample) float64 { return float64(c.Viewers) }),
		m("nvr_live_added_latency_p50_seconds", "Median time from FIFO read to WebSocket write.", gauge, func(c cameraSample) float64 { return c.LatencyP50 }),
		m("nvr_live_added_latency_p99_seconds", "99th percentile time from FIFO read to WebSocket write.", gauge, func(c cameraSample) float64 { return c.LatencyP99 }),
	}
	ms.motion = []cameraMetric{
		m("nvr_motion_score", "Motion score of the latest keyframe.", gauge, func(c cameraSample) float64 { return c.MotionScore }),
	}
	ms.recording = []cameraMetric{
		m("nvr_recording_bytes_written_total", "Recording bytes written.", counter, func(c cameraSample) float64 { return float64(c.RecordingBytes) }),
		m("nvr_recording_active", "1 while a recording is open.", gauge, func(c cameraSample) float64 { return b2f(c.Recording) }),
	}
	return ms
})

func newCameraCollector(ids []string, sample func(string) (cameraSample, bool), motion, recording bool) *cameraCollector {
	all := cameraMetrics()
	ms := slices.Clip(all.base)
	if motion {
		ms = append(ms, all.motion...)
	}
	if recording {
		ms = append(ms, all.recording...)
	}
	return &cameraCollector{ids: ids, sample: sample, metrics: ms}
}

// Describe implements prometheus.Collector.
func (c *cameraCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
}

// Collect implements prometheus.Collector: one sample per camera the supervisor runs.
func (c *cameraCollector) Collect(ch chan<- prometheus.Metric) {
	for _, id := range c.ids {
		s, ok := c.sample(id)
		if !ok {
			continue
		}
		for _, m := range c.metrics {
			ch <- prometheus.MustNewConstMetric(m.desc, m.typ, m.value(s), id)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
