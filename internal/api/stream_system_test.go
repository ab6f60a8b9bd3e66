package api

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestStreamPushesSystemToAdminsOnly: each new point of the sampler's ring reaches an administrator's
// push stream as a "system" message (GET /api/system's figures and the new point, not the whole
// ring); a viewer's stream, open all the while, never carries one.
func TestStreamPushesSystemToAdminsOnly(t *testing.T) {
	e, _ := streamEnv(t)
	ctx := context.Background()
	viewer, _ := openStream(t, e, e.with)
	admin, _ := openStream(t, e, e.admin)
	// Both streams are open (their first camera message is there) before the sampler makes its points.
	isCam := func(m sseMsg) bool { return m.name == "camera" }
	waitFor(t, viewer, "the viewer's first camera message", isCam, nil)
	waitFor(t, admin, "the admin's first camera message", isCam, nil)
	noSystem := func(m sseMsg) bool { return m.name == "system" }

	var last time.Time
	for round := 0; round < 2; round++ {
		e.api.sampleOnce(ctx)
		if round == 0 {
			e.api.sampleOnce(ctx) // the first point needs two raw samples
		}
		waitFor(t, admin, "a system message", func(m sseMsg) bool {
			if m.name != "system" {
				return false
			}
			var d struct {
				At      string
				Cameras []struct{ ID string }
				Host    struct {
					NvrdPID int `json:"nvrd_pid"`
				}
				Forecast struct{ Sentence string }
				Sample   *SystemPoint
				Samples  any
			}
			if err := json.Unmarshal([]byte(m.data), &d); err != nil {
				t.Fatalf("system message %s: %v", m.data, err)
			}
			if d.Host.NvrdPID == 0 || len(d.Cameras) != 2 || d.Forecast.Sentence == "" || d.Sample == nil || d.Samples != nil {
				t.Fatalf("system message %s: want the host, both cameras, the forecast and the new point only", m.data)
			}
			if !d.Sample.At.After(last) {
				t.Fatalf("system message repeats the point of %v", d.Sample.At)
			}
			last = d.Sample.At
			return true
		}, nil)
	}
	// The viewer's stream looks at the ring on every tick, after its motion message: two motion
	// messages of keyframes seen after the last point mean two looks since, with nothing to show.
	seen := 0
	waitFor(t, viewer, "two motion messages after the last point", func(m sseMsg) bool {
		var mo struct{ Time time.Time }
		if m.name == "motion" && json.Unmarshal([]byte(m.data), &mo) == nil && mo.Time.After(last) {
			seen++
		}
		return seen == 2
	}, noSystem)
}
