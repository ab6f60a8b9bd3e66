package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// wallResult is the result of ui/test/wall-check.mjs.
type wallResult struct {
	Tiles []struct {
		ID      string  `json:"id"`
		T       float64 `json:"t"`
		Playing bool    `json:"playing"`
	} `json:"tiles"`
	LoginPage bool           `json:"loginPage"`
	Answers   map[string]int `json:"answers"`
	FxNote    []string       `json:"fxNote"`
	Pixels    []struct {
		From       string  `json:"from"`
		MeanChroma float64 `json:"meanChroma"`
		MaxChroma  int     `json:"maxChroma"`
		Bright     float64 `json:"bright"`
		SameRight  float64 `json:"sameRight"`
	} `json:"pixels"`
	MotionBright []float64       `json:"motionBright"`
	FPS          json.RawMessage `json:"fps"`
}

// startWall starts four test cameras (two colour bars that never move, two with the moving ball) and a
// fifth not on the wall, makes a wall token of the first four through the API, and returns the wall
// link's fragment with the extra parameters, and the fifth camera's id.
func startWall(t *testing.T, extra string) (*nvr, string, string) {
	t.Helper()
	bars, err := testcam.Encode(filepath.Join(repoRoot, ".cache", "testclips"), testcam.Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 25,
		BitrateKbps: 1000, Frames: 50, Source: "videotestsrc pattern=smpte num-buffers=50"})
	if err != nil {
		t.Fatal(err)
	}
	n := startNVR(t)
	var ids []string
	for i, au := range [][][][]byte{bars, bars, clip, clip, clip} {
		cam := startCamera(t, testcam.Options{AUs: au})
		ids = append(ids, n.addCamera(fmt.Sprintf("Wall %d", i+1), cam.URL()))
	}
	for _, id := range ids {
		n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	}
	var tok struct {
		Token string `json:"token"`
	}
	if code := n.do("POST", "/api/tokens", map[string]any{"name": "shop wall", "kind": "wall", "cameras": ids[:4]}, &tok); code != http.StatusCreated || tok.Token == "" {
		t.Fatalf("POST /api/tokens wall: HTTP %d", code)
	}
	q := url.Values{"token": {tok.Token}, "cams": {strings.Join(ids[:4], ",")}, "layout": {"2x2"}}
	return n, "#/wall?" + q.Encode() + extra, ids[4]
}

func runWall(t *testing.T, mode string, n *nvr, wall, other string) wallResult {
	t.Helper()
	shots := filepath.Join(webappDir(t), "wall")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, sc := startScript(t, "wall-check.mjs", mode, n.srv.URL, shots, "NVR_WALL="+wall, "NVR_OTHER="+other)
	r := webappDone(t, sc)
	var w wallResult
	if err := json.Unmarshal(r.Result, &w); err != nil {
		t.Fatalf("result %s: %v", r.Result, err)
	}
	return w
}

// TestWallLinkPlaysWithoutLogin: a wall link with a wall token shows its four tiles playing in a browser
// that never logged in; the same token gets 401/403 on other routes and on a camera not on the wall.
func TestWallLinkPlaysWithoutLogin(t *testing.T) {
	need(t)
	needBrowser(t)
	n, wall, other := startWall(t, "")
	w := runWall(t, "play", n, wall, other)
	if w.LoginPage {
		t.Fatal("the wall link went to the login page")
	}
	if len(w.Tiles) != 4 {
		t.Fatalf("the wall shows %d playing tiles, want 4: %+v", len(w.Tiles), w.Tiles)
	}
	for p, code := range w.Answers {
		want := code == 401 || code == 403
		if strings.HasSuffix(p, "/status") && !strings.Contains(p, other) {
			want = code == 200
		}
		if !want {
			t.Errorf("the wall token got HTTP %d from %s", code, p)
		}
	}
	if len(w.Answers) < 10 {
		t.Errorf("the browser asked only %d routes: %v", len(w.Answers), w.Answers)
	}
}
