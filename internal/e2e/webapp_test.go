package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// webappResult is the last line ui/test/webapp-check.mjs prints.
type webappResult struct {
	pageFaults
	Steps  []json.RawMessage `json:"steps"`
	Camera string            `json:"camera"`
	Result json.RawMessage   `json:"result"`
}

// webappDir is where the web app tests leave their screenshots (never committed): NVR_SHOTS or
// .cache/webapp.
func webappDir(t *testing.T) string {
	t.Helper()
	d := os.Getenv("NVR_SHOTS")
	if d == "" {
		d = filepath.Join(repoRoot, ".cache", "webapp")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// startWebapp runs webapp-check.mjs in mode against n with extra environment; it returns the
// command, its stdin and a reader of its stdout lines.
func startWebapp(t *testing.T, mode string, n *nvr, env ...string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	return startScript(t, "webapp-check.mjs", mode, n.srv.URL, webappDir(t), env...)
}

// startScript runs ui/test/SCRIPT in mode against the address base, saving screenshots in dir.
func startScript(t *testing.T, script, mode, base, dir string, env ...string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	return startNode(t, script, env, mode, base, dir)
}

// webappDone reads the script's last line and fails on page errors and CSP violations.
func webappDone(t *testing.T, sc *bufio.Scanner) webappResult {
	t.Helper()
	last := lastLine(t, sc)
	var r webappResult
	if err := json.Unmarshal([]byte(last), &r); err != nil {
		t.Fatalf("webapp-check output %q: %v", last, err)
	}
	r.pageFaults.check(t)
	return r
}

// TestWebappFirstRun: a new user opens the plain address (told nvr is not set up and how), then the
// setup link, creates the administrator, adds a camera with the wizard (Test connection), saves it,
// and sees it play in the single view and in the grid.
func TestWebappFirstRun(t *testing.T) {
	need(t)
	needBrowser(t)
	cam := startCamera(t, testcam.Options{User: "cam", Pass: "s3cret pass"})
	n := startNVRWith(t, nvrOptions{noAdmin: true})
	tok, ok, err := n.app.Auth.SetupToken(context.Background())
	if err != nil || !ok {
		t.Fatalf("no setup token: %v", err)
	}
	setupURL := n.srv.URL + "/login.html?setup#token=" + tok
	_, _, sc := startWebapp(t, "wizard", n, "NVR_SETUP_URL="+setupURL, "NVR_CAMERA_URL="+cam.URL())
	r := webappDone(t, sc)
	steps := joinRaw(r.Steps)
	if !strings.Contains(steps, "nvr is not set up yet") || !strings.Contains(steps, "setup link") {
		t.Errorf("before setup the page did not say nvr is not set up and how to proceed: %s", steps)
	}
	// A wrong password and a dead port each got a plain sentence (and saved nothing: see below).
	var bad struct {
		WrongPassword string `json:"wrongPassword"`
		DeadPort      string `json:"deadPort"`
	}
	for _, st := range r.Steps {
		_ = json.Unmarshal(st, &bad)
	}
	if !strings.Contains(strings.ToLower(bad.WrongPassword), "password") {
		t.Errorf("Test connection with a wrong password said %q", bad.WrongPassword)
	}
	if !strings.Contains(bad.DeadPort, ":9") || bad.DeadPort == bad.WrongPassword {
		t.Errorf("Test connection on a port where nothing answers said %q", bad.DeadPort)
	}
	// Test connection shows the real picture size.
	if !strings.Contains(steps, "640×360") {
		t.Errorf("Test connection did not show the camera's resolution 640×360: %s", steps)
	}
	cams, err := n.st.Cameras(context.Background())
	if err != nil || len(cams) != 1 || cams[0].Name != "Garden" || cams[0].ID != r.Camera {
		t.Fatalf("after Save the store holds %v (%v), want the one camera Garden with id %q", cams, err, r.Camera)
	}
	var tiles map[string][3]any
	_ = json.Unmarshal(r.Result, &tiles)
	if len(tiles) != 1 {
		t.Fatalf("the grid shows %d tiles, want 1: %s", len(tiles), r.Result)
	}
}

// joinRaw returns the string values of the script's steps, one a line, to search the page's text.
func joinRaw(rs []json.RawMessage) string {
	var out strings.Builder
	for _, r := range rs {
		var m map[string]any
		if json.Unmarshal(r, &m) == nil {
			for _, v := range m {
				fmt.Fprintf(&out, "%v\n", v)
			}
		}
	}
	return out.String()
}

// TestWebappGridRecovers: four cameras in a 2×2 grid all play; kill -9 one camera's worker and cut
// that tile's live socket (nvrd alone keeps the socket across a worker restart, so without the cut the
// tile's own reconnect would never be needed): the tile plays again by itself while the others keep
// playing.
func TestWebappGridRecovers(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	var ids []string
	for i := 0; i < 4; i++ {
		cam := startCamera(t, testcam.Options{})
		id := n.addCamera(fmt.Sprintf("Cam %d", i+1), cam.URL())
		ids = append(ids, id)
	}
	for _, id := range ids {
		n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	}
	proxy := startCutProxy(t, strings.TrimPrefix(n.srv.URL, "http://"))
	_, in, sc := startScript(t, "webapp-check.mjs", "grid", proxy.URL(), webappDir(t), "NVR_USER=root", "NVR_PASSWORD=correct horse battery")
	if !sc.Scan() || !strings.Contains(sc.Text(), "ready") {
		t.Fatalf("the 2×2 grid did not play: %s", sc.Text())
	}
	t.Logf("browser: %s", sc.Text())
	victim := ids[1]
	before := n.status(victim)
	if before.WorkerPID <= 0 {
		t.Fatalf("camera %s has no worker pid: %+v", victim, before)
	}
	if err := syscall.Kill(before.WorkerPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if cut := proxy.cut("/api/cameras/" + victim + "/live"); cut != 1 {
		t.Fatalf("cut %d live sockets of camera %s, want its tile's one", cut, victim)
	}
	fmt.Fprintf(in, "killed %s\n", victim)
	r := webappDone(t, sc)
	var res struct {
		Killed      string         `json:"killed"`
		StalledMs   int            `json:"stalledMs"`
		RecoveredMs int            `json:"recoveredMs"`
		WorstStall  map[string]int `json:"worstStall"`
		SawProblem  string         `json:"sawProblem"`
	}
	if err := json.Unmarshal(r.Result, &res); err != nil {
		t.Fatalf("result %s: %v", r.Result, err)
	}
	if after := n.status(victim); after.WorkerPID == before.WorkerPID {
		t.Fatalf("the worker was not restarted (pid %d)", after.WorkerPID)
	}
	// A generous deadline: the machine is shared; the target is 10 s.
	if res.RecoveredMs < 0 || res.RecoveredMs > 30000 {
		t.Fatalf("the killed camera's tile did not play again by itself within 30 s: %+v", res)
	}
	for _, id := range ids {
		if id != victim && res.WorstStall[id] > 5000 {
			t.Errorf("tile %s stalled %d ms while another camera's worker restarted", id, res.WorstStall[id])
		}
	}
	t.Logf("tile recovered %d ms after the kill (it said %q meanwhile)", res.RecoveredMs, res.SawProblem)
}

// TestWebappViewerSeesOwnCamera: the administrator adds a viewer with one camera on the Users page;
// logged in as them, the grid and the push stream show only that camera, and no admin pages.
func TestWebappViewerSeesOwnCamera(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	camA := startCamera(t, testcam.Options{})
	camB := startCamera(t, testcam.Options{})
	a := n.addCamera("Front", camA.URL())
	b := n.addCamera("Back", camB.URL())
	n.waitStatus(a, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	_, _, sc := startWebapp(t, "viewer", n, "NVR_ADMIN_USER=root", "NVR_ADMIN_PASSWORD=correct horse battery",
		"NVR_USER=neighbour", "NVR_PASSWORD=neighbour password", "NVR_CAMERA_NAME=Front")
	r := webappDone(t, sc)
	var res struct {
		Tiles    []string `json:"tiles"`
		Streamed []string `json:"streamed"`
		Nav      string   `json:"nav"`
	}
	if err := json.Unmarshal(r.Result, &res); err != nil {
		t.Fatalf("result %s: %v", r.Result, err)
	}
	if len(res.Tiles) != 1 || res.Tiles[0] != a {
		t.Errorf("the viewer's grid shows %v, want only %s", res.Tiles, a)
	}
	for _, id := range res.Streamed {
		if id == b {
			t.Errorf("the push stream told the viewer about camera %s", b)
		}
	}
	if len(res.Streamed) == 0 {
		t.Errorf("the push stream named no camera at all in 20 s")
	}
	if u, err := n.st.UserByName(context.Background(), "neighbour"); err != nil || u.Role != "viewer" || !u.Cameras[a].Live || u.Cameras[b].Live {
		t.Errorf("the Users page stored %+v (%v), want a viewer with live access to %s only", u, err, a)
	}
	if strings.Contains(res.Nav, "Users") || strings.Contains(res.Nav, "Add camera") {
		t.Errorf("the viewer's navigation offers admin pages: %q", res.Nav)
	}
}

// TestWebappScreenshots saves every page at 1280×800 and 390×844, light and dark, for a person to look
// at (the test checks only that each page renders without errors or CSP violations).
func TestWebappScreenshots(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{})
	id := n.addCamera("Porch", cam.URL())
	n.addCamera("Shed", "rtsp://127.0.0.1:9/nothing-listens-here")
	n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	_, _, sc := startWebapp(t, "shots", n, "NVR_USER=root", "NVR_PASSWORD=correct horse battery", "NVR_CAMERA_ID="+id)
	r := webappDone(t, sc)
	var res struct {
		Shots []string `json:"shots"`
	}
	_ = json.Unmarshal(r.Result, &res)
	if len(res.Shots) != 24 {
		t.Fatalf("%d screenshots, want 24", len(res.Shots))
	}
	t.Logf("screenshots in %s", webappDir(t))
}

// TestWebappMotionThresholdDrag: on the settings page the motion graph fills from the push stream,
// and dragging its threshold line up saves a higher threshold; a zone drawn with the mouse on the
// snapshot (three clicks, then one corner dragged) is what the API stores.
func TestWebappMotionThresholdDrag(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{})
	id := n.addCamera("Porch", cam.URL())
	n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	_, _, sc := startWebapp(t, "motion", n, "NVR_USER=root", "NVR_PASSWORD=correct horse battery", "NVR_CAMERA_ID="+id)
	r := webappDone(t, sc)
	c, err := n.st.Camera(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Motion.Threshold <= 2 {
		t.Fatalf("after dragging the threshold line up the threshold is %v, want above the default 2 (page: %s)", c.Motion.Threshold, r.Result)
	}
	if !strings.Contains(string(r.Result), fmt.Sprint(c.Motion.Threshold)) {
		t.Errorf("the page said %s, the store holds threshold %v", r.Result, c.Motion.Threshold)
	}
	// The zone drawn with three clicks, its third corner then dragged to (0.5, 0.9).
	want := [][2]float64{{0.1, 0.2}, {0.6, 0.2}, {0.5, 0.9}}
	if len(c.Motion.Zones) != 1 || len(c.Motion.Zones[0]) != 3 {
		t.Fatalf("the drawn zone is stored as %v, want one triangle", c.Motion.Zones)
	}
	for i, p := range c.Motion.Zones[0] {
		if math.Abs(p.X-want[i][0]) > 0.02 || math.Abs(p.Y-want[i][1]) > 0.02 {
			t.Errorf("zone corner %d is %+v, want about %v", i, p, want[i])
		}
	}
}
