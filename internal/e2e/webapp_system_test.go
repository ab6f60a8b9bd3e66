package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestWebappSystemPushed: the system page (ui/test/system-push-check.mjs) reads GET /api/system once
// and then moves on with the push stream's "system" messages alone: its "as of" time changes twice
// while the browser makes no second GET /api/system. Screenshots go to .cache/webapp/settingsapi/.
func TestWebappSystemPushed(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{})
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Yard", "url": cam.URL()}, nil); code != 201 {
		t.Fatalf("create camera: HTTP %d", code)
	}
	n.waitStatus("yard", 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	shots := filepath.Join(webappDir(t), "settingsapi")
	_ = os.MkdirAll(shots, 0o755)
	var r struct {
		Errors, CSP []string
		Fatal       string
		Gets        int
		AsOf        []string
		SampleRows  int
	}
	runCheck(t, "system-push-check.mjs", adminLogin, &r, n.srv.URL, shots)
	if r.Fatal != "" {
		t.Fatalf("in the browser: %s (as of %v, %d GETs, page errors %v)", r.Fatal, r.AsOf, r.Gets, r.Errors)
	}
	if len(r.Errors) > 0 || len(r.CSP) > 0 {
		t.Errorf("page errors %v, CSP violations %v", r.Errors, r.CSP)
	}
	if len(r.AsOf) != 3 || r.Gets != 1 {
		t.Errorf("the page's time went %v with %d GET /api/system: want it to move on twice with the one GET", r.AsOf, r.Gets)
	}
	if r.SampleRows != 1 {
		t.Errorf("the camera table has %d rows, want Yard's", r.SampleRows)
	}
}
