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
		BlockSame  float64 `json:"blockSame"`
	} `json:"pixels"`
	Video0 struct {
		MeanChroma float64 `json:"meanChroma"`
	} `json:"video0"`
	MotionBright []float64 `json:"motionBright"`
	// fx mode: tile 0's grayscale as a CSS filter on its video (its clock on an overlay canvas)
	Css0 struct {
		Filter        string `json:"filter"`        // the filter CssEffects put on the video
		VideoFilter   string `json:"videoFilter"`   // the video's style.filter
		CanvasOverlay bool   `json:"canvasOverlay"` // the tile's canvas is a transparent overlay (the clock)
	} `json:"css0"`
	// fx mode: tile 3 with a clock alone
	Overlay struct {
		Overlay     bool    `json:"overlay"`     // drawn as an overlay over the plain video
		ShownChroma float64 `json:"shownChroma"` // mean chroma of what the page shows on the tile
		CanvasDrawn float64 `json:"canvasDrawn"` // share of the canvas's pixels not transparent
	} `json:"overlay"`
	FPS json.RawMessage `json:"fps"`
	// fx mode: tile 3 with a fixed hue, then a hue cycle: its video's CSS filter at two moments 3 s
	// apart, and the mean difference of what the page shows there at those moments (0–255 per channel)
	HueCycle struct {
		Fixed, Cycle struct {
			Filters []string `json:"filters"`
			Diff    float64  `json:"diff"`
		}
	} `json:"hueCycle"`
	// panel mode: tile 0's chain, the page's URL and its pixels before and after each step
	Before, Slider struct {
		Chain   string  `json:"chain"`
		URL     string  `json:"url"`
		Block32 float64 `json:"block32"`
	}
	Text, Removed struct {
		Chain  string  `json:"chain"`
		URL    string  `json:"url"`
		Bottom float64 `json:"bottom"`
		Top    float64 `json:"top"`
	}
	// panel mode: tile 2's video after Hue was added, its slider moved to 200, and Remove Hue
	CSSAdded    cssStep `json:"cssAdded"`
	CSSSlider   cssStep `json:"cssSlider"`
	CSSRemoved  cssStep `json:"cssRemoved"`
	HiddenPanel int     `json:"hiddenPanel"`
}

// cssStep is a tile's video filter, the page's effect parameters and whether the tile has a pixi canvas.
type cssStep struct {
	Filter string `json:"filter"` // the video's style.filter
	URL    string `json:"url"`
	Canvas bool   `json:"canvas"`
}

// startWall starts four test cameras (two still colour patterns (videotestsrc colors: no noise), two with the moving ball) and a
// fifth not on the wall, makes a wall token of the first four through the API, and returns the wall
// link's fragment with the extra parameters, and the fifth camera's id.
func startWall(t *testing.T, extra string) (*nvr, string, string) {
	return startWallWith(t, extra, false)
}

// startWallWith is startWall; with barsAt3 the fourth tile shows colour bars too (the third the ball).
func startWallWith(t *testing.T, extra string, barsAt3 bool) (*nvr, string, string) {
	t.Helper()
	bars, err := testcam.Encode(filepath.Join(repoRoot, ".cache", "testclips"), testcam.Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 25,
		BitrateKbps: 1000, Frames: 50, Source: "videotestsrc pattern=colors num-buffers=50"})
	if err != nil {
		t.Fatal(err)
	}
	n := startNVR(t)
	var ids []string
	order := [][][][]byte{bars, bars, clip, clip, clip}
	if barsAt3 {
		order = [][][][]byte{bars, bars, clip, bars, clip}
	}
	for i, au := range order {
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
	q := url.Values{"token": {tok.Token}, "cams": {strings.Join(ids[:4], ",")}, "layout": {"auto"}}
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
		if (strings.HasSuffix(p, "/status") && !strings.Contains(p, other)) || p == "api/stream" { // the stream: TestWallStream... (internal/api)
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

// TestWallEffects: effects drawn from the live video. Tiles: 0 a still colour pattern in grayscale (a CSS filter on
// the video, read from a screenshot of the page; the clock on a canvas over it), 1 the still colour pattern with motion amplify, 2 the moving ball with motion amplify, 3 the colour pattern
// pixelated by 16. Grey means R=G=B within a tolerance while the camera's own picture is in colour;
// pixelate makes 16x16 blocks; motion lights up on the ball and stays dark on the still camera. Then tile 3
// gets a clock alone, drawn on a transparent canvas over the plain video: the tile shows the colour video
// and the canvas only the text.
func TestWallEffects(t *testing.T) {
	need(t)
	needBrowser(t)
	n, wall, other := startWallWith(t, "&fx0=grayscale,clock&fx1=motion&fx2=motion&fx3=pixelate:16", true)
	w := runWall(t, "fx", n, wall, other)
	t.Logf("pixels %+v video0 %+v motion %v fps %s notes %v", w.Pixels, w.Video0, w.MotionBright, w.FPS, w.FxNote)
	if len(w.FxNote) > 0 {
		t.Fatalf("the effects did not run: %v", w.FxNote)
	}
	if len(w.Pixels) != 4 {
		t.Fatalf("read %d tiles' pixels, want 4", len(w.Pixels))
	}
	for i, p := range w.Pixels {
		if want := map[bool]string{true: "screenshot", false: "canvas"}[i == 0]; p.From != want {
			t.Errorf("tile %d's pixels were read from its %s, want its %s", i, p.From, want)
		}
	}
	// Grayscale (with a clock) is a CSS filter on the video, with no pixi picture: the clock alone is on a canvas.
	if c := w.Css0; c.Filter != "grayscale(1)" || c.VideoFilter != "grayscale(1)" || !c.CanvasOverlay {
		t.Errorf("tile 0 (grayscale,clock): CSS filter %q, video's filter %q, canvas an overlay %v; want grayscale(1) on the video and the clock alone on the canvas",
			c.Filter, c.VideoFilter, c.CanvasOverlay)
	}
	if w.Video0.MeanChroma < 30 {
		t.Fatalf("the colour bars camera is not in colour (mean chroma %.1f): the grey test would prove nothing", w.Video0.MeanChroma)
	}
	if g := w.Pixels[0]; g.MaxChroma > 12 {
		t.Errorf("grayscale: a pixel has R, G, B %d apart (mean %.2f), want grey within 12", g.MaxChroma, g.MeanChroma)
	}
	if b := w.Pixels[3]; b.BlockSame < 0.97 || b.BlockSame <= w.Pixels[0].BlockSame {
		t.Errorf("pixelate:16: %.3f of the pixels equal their block's corner (grayscale tile of the same camera: %.3f), want >= 0.97",
			b.BlockSame, w.Pixels[0].BlockSame)
	}
	if still, moving := w.MotionBright[1], w.MotionBright[2]; still > 0.0005 || moving < 0.003 {
		t.Errorf("motion amplify: lit share %.4f on the still camera (want <= 0.0005) and %.4f on the moving ball (want >= 0.003)", still, moving)
	}
	// A clock alone is drawn over the plain video: the tile still shows the colour pattern, and the
	// canvas holds the text and nothing else.
	if o := w.Overlay; !o.Overlay || o.ShownChroma < 30 || o.CanvasDrawn < 0.002 || o.CanvasDrawn > 0.3 {
		t.Errorf("clock alone: overlay %v, the tile shows mean chroma %.1f (want >= 30: the colour video), the canvas draws %.4f of its pixels (want the text only: 0.002–0.3)",
			o.Overlay, o.ShownChroma, o.CanvasDrawn)
	}
	// The hue cycle animates: 3 s later the tile shows other colours (60–120° further round here), where a
	// fixed hue on the same still pattern shows the same ones.
	h := w.HueCycle
	t.Logf("hue: fixed %+v, cycling %+v", h.Fixed, h.Cycle)
	if len(h.Cycle.Filters) != 2 || h.Cycle.Filters[0] == h.Cycle.Filters[1] {
		t.Errorf("hue cycle: the video's filter did not change over 3 s: %v", h.Cycle.Filters)
	}
	if h.Cycle.Diff < 8 || h.Cycle.Diff < 4*h.Fixed.Diff {
		t.Errorf("hue cycle: what the tile shows changed by %.2f a channel over 3 s (a fixed hue: %.2f), want >= 8 and 4 times the fixed hue's",
			h.Cycle.Diff, h.Fixed.Diff)
	}
}

// TestWallEffectsPanel: the effects panel, driven by its labels on a wall whose first tile (a still colour
// pattern) is pixelated by 8. Moving "Pixelate size" to 32 makes 32x32 blocks in the drawn pixels and puts
// pixelate:32 in the URL without reloading the video; "Add effect" Text with "HELLO WALL" changes pixels
// where the text is drawn (the bottom of the tile) and not elsewhere, and is in the URL; "Remove Text"
// takes it away again.
func TestWallEffectsPanel(t *testing.T) {
	need(t)
	needBrowser(t)
	n, wall, other := startWallWith(t, "&fx0=pixelate:8", true)
	w := runWall(t, "panel", n, wall, other)
	t.Logf("before %+v slider %+v text %+v removed %+v", w.Before, w.Slider, w.Text, w.Removed)
	if w.Before.Chain != "pixelate:8" || !strings.Contains(w.Before.URL, "fx0=pixelate:8") {
		t.Fatalf("the wall did not start with pixelate:8 on tile 1: chain %q, URL %s", w.Before.Chain, w.Before.URL)
	}
	if w.Slider.Chain != "pixelate:32" || !strings.Contains(w.Slider.URL, "fx0=pixelate:32") {
		t.Errorf("after the slider: chain %q, URL %s; want pixelate:32 in both", w.Slider.Chain, w.Slider.URL)
	}
	if w.Slider.Block32 < 0.97 || w.Slider.Block32 < w.Before.Block32+0.05 {
		t.Errorf("pixelate 8 → 32: %.3f of the pixels equal their 32x32 block's corner (%.3f before), want >= 0.97 and more than before",
			w.Slider.Block32, w.Before.Block32)
	}
	if !strings.Contains(w.Text.URL, "text=HELLO WALL") || !strings.Contains(w.Text.Chain, "text=HELLO WALL") {
		t.Errorf("after adding the text: chain %q, URL %s; want text=HELLO WALL in both", w.Text.Chain, w.Text.URL)
	}
	if w.Text.Bottom < 0.01 || w.Text.Top > 0.001 {
		t.Errorf("text overlay: %.4f of the bottom quarter's pixels changed (want >= 0.01), %.4f of the top half (want <= 0.001)", w.Text.Bottom, w.Text.Top)
	}
	if strings.Contains(w.Removed.URL, "text=") || w.Removed.Bottom > 0.001 {
		t.Errorf("after Remove Text: URL %s, %.4f of the bottom quarter still differs", w.Removed.URL, w.Removed.Bottom)
	}
	t.Logf("CSS chain on tile 2: added %+v, slider %+v, removed %+v", w.CSSAdded, w.CSSSlider, w.CSSRemoved)
	if c := w.CSSAdded; c.Filter != "hue-rotate(90deg)" || c.Canvas || !strings.Contains(c.URL, "fx1=hue:90") {
		t.Errorf("after adding Hue to tile 2: the video's filter %q, a pixi canvas %v, URL %s; want hue-rotate(90deg), no canvas, fx1=hue:90", c.Filter, c.Canvas, c.URL)
	}
	if c := w.CSSSlider; c.Filter != "hue-rotate(200deg)" || !strings.Contains(c.URL, "fx1=hue:200") {
		t.Errorf("after the Hue slider to 200: the video's filter %q, URL %s; want hue-rotate(200deg) and fx1=hue:200", c.Filter, c.URL)
	}
	// An empty fx1= stays: tile 2's own chain is now empty (it would override an every-tile fx=).
	if c := w.CSSRemoved; c.Filter != "" || c.Canvas || strings.Contains(c.URL, "fx1=hue") {
		t.Errorf("after Remove Hue: the video's filter %q, a pixi canvas %v, URL %s; want a plain video and no hue in fx1", c.Filter, c.Canvas, c.URL)
	}
	if w.HiddenPanel != 0 {
		t.Errorf("Hide left the panel on the wall")
	}
}
