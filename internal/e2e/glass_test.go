package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestBrowserSeesWhiteSecond: the glass-to-glass benchmark's parts work end to end. The white-second
// camera, relayed by a real worker and nvrd, turns the grid tile white once a second and the page's
// sampler sees it; every white falls in a second of its own (one white picture per second, not a
// white screen). How late it turns white is BenchmarkGlassToGlass's figure, not asserted here.
func TestBrowserSeesWhiteSecond(t *testing.T) {
	need(t)
	needBrowser(t)
	aus, err := testcam.Encode(filepath.Join(repoRoot, ".cache", "testclips"), testcam.WhiteSecond(640, 360))
	if err != nil {
		t.Fatal(err)
	}
	cam := startCamera(t, testcam.Options{AUs: aus, FPS: 25, WallClock: true})
	n := startNVR(t)
	id := n.addCamera("White", cam.URL())
	n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	plan, _ := json.Marshal(map[string]any{"rounds": 1, "runs": []map[string]any{{"name": "now", "base": n.srv.URL, "seconds": 4, "warmup": 1}}})
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(planPath, plan, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runGlassCheck(t, planPath)
	if r.Fatal != "" {
		t.Fatalf("latency-check.mjs: %s (page errors %v)", r.Fatal, r.Errors)
	}
	run := r.Runs["now"]
	t.Logf("whites %v, %d samples, %d frames", run.Whites, run.Samples, run.Frames)
	if len(run.Whites) < 2 {
		t.Fatalf("the tile turned white %d times in 4 s of playing (%d samples, %d frames): want one white picture a second", len(run.Whites), run.Samples, run.Frames)
	}
	seen := map[int64]bool{}
	for _, w := range run.Whites {
		sec := int64(w[0]) / 1000
		if seen[sec] {
			t.Fatalf("the tile turned white twice in one second (%v): the camera does not send one white picture a second", run.Whites)
		}
		seen[sec] = true
	}
}
