package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

type browserResult struct {
	Errors []string `json:"errors"`
	Fatal  string   `json:"fatal"`
	First  struct {
		CurrentTime float64 `json:"currentTime"`
		VideoWidth  int     `json:"videoWidth"`
		VideoHeight int     `json:"videoHeight"`
		Frames      int     `json:"frames"`
		BufferedEnd float64 `json:"bufferedEnd"`
	} `json:"first"`
	Second struct {
		CurrentTime float64 `json:"currentTime"`
		Frames      int     `json:"frames"`
		BufferedEnd float64 `json:"bufferedEnd"`
		Status      string  `json:"status"`
	} `json:"second"`
	LitPixels  int    `json:"litPixels"`
	LoginPage  bool   `json:"loginPage"`
	AfterLogin string `json:"afterLogin"`
	// CSP lists the Content-Security-Policy violations seen; CSPHeader is the first page's policy.
	CSP       []string `json:"csp"`
	CSPHeader string   `json:"cspHeader"`
}

// TestBrowserPlaysLive opens the live page nvrd serves in headless Chromium and checks that the video
// plays: currentTime advances, the picture has the camera's size and is drawn, and the player stays
// close to the live edge.
func TestBrowserPlaysLive(t *testing.T) {
	need(t)
	needBrowser(t)
	cam := startCamera(t, testcam.Options{})
	n := startNVR(t)
	id := n.addCamera("Porch", cam.URL())
	n.waitStatus(id, 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })

	r := runLiveCheck(t, n.srv.URL+"/?camera="+id, "browser-live.png")
	if !r.LoginPage || !strings.Contains(r.AfterLogin, "camera="+id) {
		t.Fatalf("the page did not go through the login form and back to the camera (login page %v, then %q)", r.LoginPage, r.AfterLogin)
	}
	if r.Fatal != "" {
		t.Fatalf("the video did not play: %s (console errors: %v)", r.Fatal, r.Errors)
	}
	if r.First.VideoWidth != 640 || r.First.VideoHeight != 360 {
		t.Fatalf("video is %dx%d, want 640x360", r.First.VideoWidth, r.First.VideoHeight)
	}
	// How fast it plays and how close to the live edge it stays are figures of BenchmarkBrowserLive.
	if adv := r.Second.CurrentTime - r.First.CurrentTime; adv <= 0 {
		t.Fatalf("currentTime did not advance (%.2f s → %.2f s); playback is stalled", r.First.CurrentTime, r.Second.CurrentTime)
	}
	if r.Second.Frames <= r.First.Frames {
		t.Fatalf("no new frames decoded (%d → %d)", r.First.Frames, r.Second.Frames)
	}
	if r.LitPixels < 1000 {
		t.Fatalf("the video element draws a black picture (%d lit pixels of 14400)", r.LitPixels)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("console errors: %v", r.Errors)
	}
	if !strings.Contains(r.CSPHeader, "script-src 'self'") || strings.Contains(r.CSPHeader, "unsafe-inline") {
		t.Fatalf("the page's Content-Security-Policy is %q", r.CSPHeader)
	}
	if len(r.CSP) > 0 {
		t.Fatalf("the page breaks its Content-Security-Policy: %v", r.CSP)
	}
	if st := r.Second.Status; !strings.Contains(st, "streaming") || !strings.Contains(st, "640×360") {
		t.Fatalf("the page's status line %q does not say the camera is streaming at 640×360", st)
	}
}

// needBrowser skips when the browser test's parts are not installed.
func needBrowser(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(repoRoot, "ui", "node_modules", "playwright-core")); err != nil {
		testskip.Skip(t, "playwright-core is not installed in ui/node_modules", "run make setup")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		testskip.Skip(t, "Debian's chromium is not installed", "run make setup")
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "ui", "static", "vendor", "mpegts.js")); err != nil {
		t.Fatal("ui/static/vendor/mpegts.js is missing; run scripts/setup before building")
	}
}

// runLiveCheck opens pageURL in headless Chromium with ui/test/live-check.mjs, logging in as the test
// administrator, and returns what the page showed; the screenshot goes to .cache/<shot>.
func runLiveCheck(t testing.TB, pageURL, shot string, env ...string) browserResult {
	t.Helper()
	script := filepath.Join(repoRoot, "ui", "test", "live-check.mjs")
	shotPath := filepath.Join(repoRoot, ".cache", shot)
	_ = os.MkdirAll(filepath.Dir(shotPath), 0o755)
	cmd := exec.Command("node", script, pageURL, shotPath)
	cmd.Dir = filepath.Join(repoRoot, "ui")
	cmd.Env = append(append(os.Environ(), "NVR_USER=root", "NVR_PASSWORD=correct horse battery"), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("live-check.mjs: %v\n%s", err, out)
	}
	var r browserResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("live-check output %q: %v", out, err)
	}
	t.Logf("browser: %s", out)
	return r
}
