package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/nvrproject/nvr/internal/supervisor"
)

// metrics writes Prometheus text format.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	cams, err := s.opt.Store.Cameras(r.Context())
	if err != nil {
		storeError(w, err)
		return
	}
	var b strings.Builder
	type row struct {
		id       string
		st       supervisor.Status
		p50, p99 float64
	}
	var rows []row
	for _, c := range cams {
		if cam := s.opt.Sup.Camera(c.ID); cam != nil {
			h := &cam.Hub().Latency
			rows = append(rows, row{c.ID, cam.Status(), h.Quantile(0.5).Seconds(), h.Quantile(0.99).Seconds()})
		}
	}
	metric := func(name, typ, help string, val func(row) string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, r := range rows {
			fmt.Fprintf(&b, "%s{camera=%q} %s\n", name, r.id, val(r))
		}
	}
	metric("nvr_camera_up", "gauge", "1 while the camera is streaming.", func(r row) string {
		if r.st.State == supervisor.StateStreaming {
			return "1"
		}
		return "0"
	})
	metric("nvr_camera_bytes_in_total", "counter", "MPEG-TS bytes received from the camera's worker.", func(r row) string { return fmt.Sprint(r.st.BytesIn) })
	metric("nvr_camera_keyframes_total", "counter", "Keyframes received.", func(r row) string { return fmt.Sprint(r.st.Keyframes) })
	metric("nvr_camera_restarts_total", "counter", "Worker restarts.", func(r row) string { return fmt.Sprint(r.st.Restarts) })
	metric("nvr_camera_bitrate_bps", "gauge", "Stream bitrate over the last 2 s.", func(r row) string { return fmt.Sprint(r.st.BitrateBPS) })
	metric("nvr_live_viewers", "gauge", "Connected live viewers.", func(r row) string { return fmt.Sprint(r.st.Viewers) })
	metric("nvr_live_added_latency_p50_seconds", "gauge", "Median time from FIFO read to WebSocket write.", func(r row) string { return fmt.Sprintf("%g", r.p50) })
	metric("nvr_live_added_latency_p99_seconds", "gauge", "99th percentile time from FIFO read to WebSocket write.", func(r row) string { return fmt.Sprintf("%g", r.p99) })
	if s.opt.Analysis != nil {
		type scored interface{ MotionScoreValue() float64 }
		metric("nvr_motion_score", "gauge", "Motion score of the latest keyframe.", func(r row) string {
			if v, ok := s.opt.Analysis(r.id).(scored); ok {
				return fmt.Sprintf("%g", v.MotionScoreValue())
			}
			return "0"
		})
	}
	if s.opt.Recorder != nil {
		metric("nvr_recording_bytes_written_total", "counter", "Recording bytes written.", func(r row) string {
			return fmt.Sprint(s.opt.Recorder.Status(r.id).BytesWritten)
		})
		metric("nvr_recording_active", "gauge", "1 while a recording is open.", func(r row) string {
			if s.opt.Recorder.Status(r.id).Recording {
				return "1"
			}
			return "0"
		})
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}
