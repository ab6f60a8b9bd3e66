package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// wallFxBenchChain is every effect of the wall once, with its default parameters (see effects.js).
var wallFxBenchChain = []string{"grayscale", "sepia", "invert", "hue", "huecycle", "contrast", "tint", "pixelate", "blur",
	"edge", "emboss", "rgbsplit", "kaleido", "motion", "clock", "text=Shop window", "grayscale,pixelate,clock"}

// BenchmarkWallEffects: headless Chromium (software GL: SwiftShader) plays one 1280×720 wall tile of a
// 640×360 25 fps test camera (the moving ball) from a real nvrd, and the tile's chain is changed in the
// URL to each effect in turn (ui/test/wallfx-bench.mjs), NVR_BENCH_SECONDS each (default 8), with the
// plain video (no effect, no pixi) first and last as the baseline of the same run. Each effect is run
// twice, right after each other: the former drawing path (fxpath=old in the wall's URL) and the current
// one, so the two see the same load on the shared machine. Reported per effect and path: rendered
// frames/s (effect canvas renders), new video pictures drawn/s and its ratio to the baseline's decoded
// frames/s, the browser process tree's CPU (/proc, % of one core) and its ratio to the baseline's, the
// CPU time per picture drawn (ms; the steadier figure on a loaded machine), and new/old ratios of drawn frames/s and of CPU. The table, the CPU by Chromium process type and the
// machine's load average before and after go to the log. NVR_WALLFX_EFFECTS=a;b,c picks the chains (";"
// between them); NVR_FXPATHS=new measures the current path alone; NVR_VIEWPORT=WxH (passed through to
// the script) sets the tile's size.
func BenchmarkWallEffects(b *testing.B) {
	if skipReason != "" {
		testskip.Skip(b, skipReason, "run make setup")
	}
	needBrowser(b)
	seconds := 8
	if os.Getenv("NVR_BENCH_SECONDS") != "" {
		seconds = int(benchWindow().Seconds())
	}
	for i := 0; i < b.N; i++ {
		p := startNVRDForBench(b)
		c, err := testcam.Start(testcam.Options{AUs: clip, FPS: 25})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		if _, errOut, err := p.cliB(b, "camera", "add", "--name", "fx", "--url", c.URL(), "--record", "off"); err != nil {
			b.Fatal(errOut)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			if s, _ := p.statusB(b, "fx"); s.State == "streaming" && s.Keyframes > 1 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("the camera is not streaming")
			}
			time.Sleep(200 * time.Millisecond)
		}
		body, _ := json.Marshal(map[string]any{"name": "bench wall", "kind": "wall", "cameras": []string{"fx"}})
		req, _ := http.NewRequest("POST", p.url+"/api/tokens", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+p.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var tok struct {
			Token string `json:"token"`
		}
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusCreated {
			b.Fatalf("POST /api/tokens: HTTP %d %v", resp.StatusCode, err)
		}
		wall := "#/wall?" + url.Values{"token": {tok.Token}, "cams": {"fx"}, "layout": {"1x1"}}.Encode()
		r := runWallFxBench(b, p.url, wall, seconds)
		p.stopB(b)
		if r.Fatal != "" || len(r.Runs) < 3 {
			b.Fatalf("wallfx-bench.mjs: %s (%d runs, page errors %v)", r.Fatal, len(r.Runs), r.Errors)
		}
		first, last := r.Runs[0], r.Runs[len(r.Runs)-1]
		baseFps := (first.VideoFps + last.VideoFps) / 2
		baseCPU := (first.CPUPct + last.CPUPct) / 2
		var tab strings.Builder
		fmt.Fprintf(&tab, "load average before %s, after %s; baseline (plain video, first/last): %.1f/%.1f fps, %.0f/%.0f %% of a core\n",
			r.Load[0], r.Load[len(r.Load)-1], first.VideoFps, last.VideoFps, first.CPUPct, last.CPUPct)
		fmt.Fprintf(&tab, "%-26s %4s %8s %8s %8s %6s %6s %6s %8s %7s %7s  %s\n", "effect", "path", "render/s", "drawn/s", "video/s", "fps×",
			"%core", "cpu×", "ms/frame", "fps new/old", "cpu new/old", "%core by process")
		oldRun := map[string]wallFxRun{}
		for _, run := range r.Runs {
			ratios := ""
			if o, ok := oldRun[run.Fx]; ok && run.Path == "new" && o.DrawnFps > 0 && o.CPUPct > 0 {
				ratios = fmt.Sprintf("%7.2f %7.2f", run.DrawnFps/o.DrawnFps, run.CPUPct/o.CPUPct)
				name := strings.NewReplacer("=", "-", " ", "-", ",", "+").Replace(run.Fx)
				b.ReportMetric(run.DrawnFps/o.DrawnFps, "x-fps-new/old-"+name)
				b.ReportMetric(run.CPUPct/o.CPUPct, "x-cpu-new/old-"+name)
				if msPerFrame(o) > 0 {
					b.ReportMetric(msPerFrame(run)/msPerFrame(o), "x-ms/frame-new/old-"+name)
				}
			} else {
				ratios = fmt.Sprintf("%7s %7s", "", "")
			}
			if run.Path == "old" {
				oldRun[run.Fx] = run
			}
			by, _ := json.Marshal(run.CPUBy)
			if run.Timeout {
				by = []byte("drew no picture within a minute")
			}
			fmt.Fprintf(&tab, "%-26s %4s %8.1f %8.1f %8.1f %6.2f %6.0f %6.2f %8.1f %s  %s\n", run.Fx, run.Path, run.RenderFps, run.DrawnFps,
				run.VideoFps, run.DrawnFps/baseFps, run.CPUPct, run.CPUPct/baseCPU, msPerFrame(run), ratios, by)
			if run.Path == "new" {
				name := strings.NewReplacer("=", "-", " ", "-", ",", "+").Replace(run.Fx)
				b.ReportMetric(run.DrawnFps/baseFps, "x-fps-"+name)
				b.ReportMetric(run.CPUPct/baseCPU, "x-cpu-"+name)
			}
		}
		b.Log("\n" + tab.String())
		b.ReportMetric(baseFps, "fps-baseline")
		b.ReportMetric(baseCPU, "%core-baseline")
	}
}

// msPerFrame is the browser's CPU time per picture shown (ms): on a loaded machine, where the frame rate
// follows the share of the CPU the browser gets, the cost of a frame is the steadier figure.
func msPerFrame(r wallFxRun) float64 {
	if r.DrawnFps <= 0 {
		return 0
	}
	return r.CPUPct * 10 / r.DrawnFps
}

// wallFxRun is one measured effect (or the plain video) of wallfx-bench.mjs.
type wallFxRun struct {
	Fx        string             `json:"fx"`
	Path      string             `json:"path"` // "old" (fxpath=old), "new", "" for the plain video
	RenderFps float64            `json:"renderFps"`
	DrawnFps  float64            `json:"drawnFps"`
	VideoFps  float64            `json:"videoFps"`
	CPUPct    float64            `json:"cpuPct"`
	CPUBy     map[string]float64 `json:"cpuBy"` // % of a core by Chromium process type
	Overlay   bool               `json:"overlay"`
	Timeout   bool               `json:"timeout"` // drew no picture within a minute (a starved machine)
}

// wallFxResult is wallfx-bench.mjs's answer.
type wallFxResult struct {
	Fatal  string      `json:"fatal"`
	Errors []string    `json:"errors"`
	Load   []string    `json:"load"`
	Runs   []wallFxRun `json:"runs"`
}

func runWallFxBench(b *testing.B, base, wall string, seconds int) wallFxResult {
	b.Helper()
	chain := wallFxBenchChain
	if s := os.Getenv("NVR_WALLFX_EFFECTS"); s != "" {
		chain = strings.Split(s, ";")
	}
	cmd := exec.Command("node", filepath.Join(repoRoot, "ui", "test", "wallfx-bench.mjs"), base)
	cmd.Dir = filepath.Join(repoRoot, "ui")
	cmd.Env = append(os.Environ(), "NVR_WALL="+wall, fmt.Sprintf("NVR_SECONDS=%d", seconds),
		"NVR_EFFECTS="+strings.Join(chain, ";"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("wallfx-bench.mjs: %v\n%s", err, out)
	}
	var r wallFxResult
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("wallfx-bench.mjs output %q: %v", out, err)
	}
	return r
}
