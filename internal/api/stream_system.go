package api

import (
	"context"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
)

// latestSampleAt is the time of the sampler ring's newest point (zero before the first).
func (s *Server) latestSampleAt() time.Time {
	s.ring.mu.Lock()
	defer s.ring.mu.Unlock()
	if n := len(s.ring.points); n > 0 {
		return s.ring.points[n-1].At
	}
	return time.Time{}
}

// pushSystem sends an administrator's stream a "system" message when the sampler's ring has a point
// newer than sent (so once per SystemSampleEvery): GET /api/system's document without "samples" and
// with "sample", the new point, which the system page appends to its plots. Viewers never get one.
// It returns the time of the newest point sent.
func (s *Server) pushSystem(ctx context.Context, p *auth.Principal, sw *sseWriter, sent time.Time) time.Time {
	if !p.Admin() {
		return sent
	}
	at := s.latestSampleAt()
	if at.IsZero() || !at.After(sent) {
		return sent
	}
	report, err := s.systemReport(ctx)
	if err != nil {
		return sent // a busy database: try again at the next look
	}
	points, _ := report["samples"].([]SystemPoint)
	delete(report, "samples")
	if n := len(points); n > 0 {
		report["sample"] = points[n-1]
		at = points[n-1].At
	}
	sw.send("system", report)
	return at
}
