package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestWebappLeaveLoadingGrid: leaving the live grid while its tiles are still loading (right after the
// login, and again and again at staggered moments, with one camera that never answers) raises no
// uncaught error in the page (ui/test/grid-leave-check.mjs): no mpegts.js RuntimeException from a
// player destroyed while its socket connects or its MediaSource opens.
func TestWebappLeaveLoadingGrid(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	for _, name := range []string{"Gate", "Porch", "Drive"} {
		cam := startCamera(t, testcam.Options{})
		if code := n.do("POST", "/api/cameras", map[string]any{"name": name, "url": cam.URL()}, nil); code != 201 {
			t.Fatalf("create camera: HTTP %d", code)
		}
	}
	// Nothing listens on port 1 of loopback: this camera never streams.
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Dead", "url": "rtsp://127.0.0.1:1/none"}, nil); code != 201 {
		t.Fatalf("create the dead camera: HTTP %d", code)
	}
	n.waitStatus("gate", 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	var r struct {
		Errors  []string
		Thrown  []string
		Fatal   string
		Rounds  int
		Sockets int
		At      json.RawMessage
	}
	runCheck(t, "grid-leave-check.mjs", adminLogin, &r, n.srv.URL)
	if r.Fatal != "" {
		t.Fatalf("in the browser: %s (page errors %v, page %s)", r.Fatal, r.Errors, r.At)
	}
	if r.Rounds == 0 || r.Sockets == 0 {
		t.Fatalf("the grid was left %d times with %d live sockets opened: the check did not exercise the tiles", r.Rounds, r.Sockets)
	}
	if len(r.Errors) > 0 || len(r.Thrown) > 0 {
		t.Errorf("uncaught errors in the page after leaving a loading grid %d times: %v %v", r.Rounds, r.Errors, r.Thrown)
	}
}
