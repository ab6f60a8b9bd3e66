package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nvrproject/nvr/internal/supervisor"
)

// metrics serves Prometheus text format through client_golang: the Go runtime and process collectors
// (goroutines, memory, GC, open fds, RSS, CPU) and one cameraCollector that reads every camera's
// figures from the sources that already keep them, at scrape time.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	cams, err := s.opt.Store.Cameras(r.Context())
	if err != nil {
		storeError(w, err)
		return
	}
	ids := make([]string, 0, len(cams))
	for _, c := range cams {
		ids = append(ids, c.ID)
	}
	// The camera set is the database's at this request, so the collector lives for one scrape; the
	// runtime collectors are process-wide and registered once.
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCameraCollector(ids, s.cameraSample, s.opt.Analysis != nil, s.opt.Recorder != nil))
	promhttp.HandlerFor(prometheus.Gatherers{runtimeGatherer(), reg}, promhttp.HandlerOpts{
		ErrorLog:      promLogger{s},
		ErrorHandling: promhttp.ContinueOnError,
	}).ServeHTTP(w, r)
}

// cameraSample reads one camera's figures from the supervisor, its live hub, the event engine and the
// recorder; ok is false for a camera the supervisor does not run.
func (s *Server) cameraSample(id string) (cameraSample, bool) {
	cam := s.opt.Sup.Camera(id)
	if cam == nil {
		return cameraSample{}, false
	}
	st := cam.Status()
	h := &cam.Hub().Latency
	cs := cameraSample{
		Up:         st.State == supervisor.StateStreaming,
		BytesIn:    st.BytesIn,
		Keyframes:  st.Keyframes,
		Restarts:   st.Restarts,
		BitrateBPS: st.BitrateBPS,
		Viewers:    st.Viewers,
		LatencyP50: h.Quantile(0.5).Seconds(),
		LatencyP99: h.Quantile(0.99).Seconds(),
	}
	if s.opt.Analysis != nil {
		if v, ok := s.opt.Analysis(id).(interface{ MotionScoreValue() float64 }); ok {
			cs.MotionScore = v.MotionScoreValue()
		}
	}
	if s.opt.Recorder != nil {
		rs := s.opt.Recorder.Status(id)
		cs.RecordingBytes, cs.Recording = rs.BytesWritten, rs.Recording
	}
	return cs, true
}

// promLogger sends client_golang's gathering errors to the server's log.
type promLogger struct{ s *Server }

func (l promLogger) Println(v ...any) { l.s.log.Warn("metrics", "error", v) }
