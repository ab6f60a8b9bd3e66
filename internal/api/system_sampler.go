package api

import (
	"context"
	"os"
	"sync"
	"time"
)

// Ring of the system page's plots: one point per SystemSampleEvery, the last hour.
const (
	SystemSampleEvery = 10 * time.Second
	SystemSamples     = 360
)

// rawSample is what one tick reads: counters whose rates the next tick works out.
type rawSample struct {
	at      time.Time
	nvrdCPU uint64            // clock ticks
	workers map[int]uint64    // worker pid → clock ticks
	cams    map[string]rawCam // camera id → its counters
}

type rawCam struct {
	pid               int
	frames, keyframes uint64
	bitrate           uint64
}

// SystemPoint is one point of the system page's plots.
type SystemPoint struct {
	At         time.Time                   `json:"at"`
	NvrdCPU    float64                     `json:"nvrd_cpu_percent"`    // % of one core
	WorkersCPU float64                     `json:"workers_cpu_percent"` // all workers, % of one core
	MemUsed    int64                       `json:"mem_used_bytes"`      // host memory in use
	Cameras    map[string]SystemCameraRate `json:"cameras"`
}

// SystemCameraRate is a camera's rates over one sample interval.
type SystemCameraRate struct {
	BitrateBPS   uint64   `json:"bitrate_bps"`
	FPS          *float64 `json:"fps"`                 // null without frames in the interval
	KeyframeIntS *float64 `json:"keyframe_interval_s"` // null without keyframes in the interval
	WorkerCPU    *float64 `json:"worker_cpu_percent"`  // null when the worker changed or is gone
}

// systemRing keeps the last SystemSamples points and the raw sample they were worked out from. The
// sampler goroutine (RunSampler) is its only writer; the handler reads it under mu.
type systemRing struct {
	mu     sync.Mutex
	points []SystemPoint // oldest first
	last   *rawSample
}

// RunSampler samples the cameras and the host every `every` (0: SystemSampleEvery) into the ring the
// system page plots, until ctx ends. nvrd runs it as one of its parts.
func (s *Server) RunSampler(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = SystemSampleEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	s.sampleOnce(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.sampleOnce(ctx)
		}
	}
}

func (s *Server) sampleOnce(ctx context.Context) {
	raw := s.readRaw(ctx)
	s.ring.mu.Lock()
	defer s.ring.mu.Unlock()
	if prev := s.ring.last; prev != nil {
		s.ring.points = append(s.ring.points, ratesBetween(prev, raw))
		if n := len(s.ring.points); n > SystemSamples {
			s.ring.points = append(s.ring.points[:0:0], s.ring.points[n-SystemSamples:]...)
		}
	}
	s.ring.last = raw
}

// readRaw reads the counters of nvrd, its workers and its cameras now.
func (s *Server) readRaw(ctx context.Context) *rawSample {
	raw := &rawSample{at: time.Now(), workers: map[int]uint64{}, cams: map[string]rawCam{}}
	raw.nvrdCPU, _ = procCPUTicks(os.Getpid())
	cams, err := s.opt.Store.Cameras(ctx)
	if err != nil {
		return raw
	}
	for _, c := range cams {
		p := s.opt.Sup.Camera(c.ID)
		if p == nil {
			continue
		}
		st := p.Status()
		raw.cams[c.ID] = rawCam{pid: st.WorkerPID, frames: st.Frames, keyframes: st.Keyframes, bitrate: st.BitrateBPS}
		if st.WorkerPID > 0 {
			if t, err := procCPUTicks(st.WorkerPID); err == nil {
				raw.workers[st.WorkerPID] = t
			}
		}
	}
	return raw
}

// ratesBetween works out one plot point from two raw samples.
func ratesBetween(a, b *rawSample) SystemPoint {
	dt := b.at.Sub(a.at).Seconds()
	total, avail := memInfo()
	p := SystemPoint{At: b.at.UTC(), MemUsed: total - avail, Cameras: map[string]SystemCameraRate{}}
	if dt <= 0 {
		return p
	}
	cpu := func(t0, t1 uint64) float64 {
		if t1 < t0 {
			return 0
		}
		return float64(t1-t0) / clockTicks / dt * 100
	}
	p.NvrdCPU = cpu(a.nvrdCPU, b.nvrdCPU)
	for pid, t1 := range b.workers {
		if t0, ok := a.workers[pid]; ok {
			p.WorkersCPU += cpu(t0, t1)
		}
	}
	for id, c1 := range b.cams {
		r := SystemCameraRate{BitrateBPS: c1.bitrate}
		c0, ok := a.cams[id]
		if ok && c1.frames >= c0.frames && c1.keyframes >= c0.keyframes {
			if n := c1.frames - c0.frames; n > 0 {
				f := float64(n) / dt
				r.FPS = &f
			}
			if n := c1.keyframes - c0.keyframes; n > 0 {
				k := dt / float64(n)
				r.KeyframeIntS = &k
			}
		}
		if ok && c0.pid == c1.pid && c1.pid > 0 {
			if t0, ok0 := a.workers[c0.pid]; ok0 {
				if t1, ok1 := b.workers[c1.pid]; ok1 {
					w := cpu(t0, t1)
					r.WorkerCPU = &w
				}
			}
		}
		p.Cameras[id] = r
	}
	return p
}
