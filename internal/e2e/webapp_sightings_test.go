package e2e

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestWebappEventBoxesFollowThePlayhead: an object event whose sightings (put in through the store,
// as the event engine writes them) move across the picture, with one keyframe missed, is opened in the
// events page's player over real recorded footage; at every moment sampled as it plays, the box drawn
// is the sighting nearest the wall clock shown, it moves, and there is none before the
// object was seen nor across the keyframe it was missed on. Screenshots: .cache/webapp/review/event-boxes-*.
func TestWebappEventBoxesFollowThePlayhead(t *testing.T) {
	need(t)
	needBrowser(t)
	const w, h, fps = 320, 180, 10
	clip := encodeScene(t, w, h, fps, 20*fps, background(rand.New(rand.NewSource(3))))
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{AUs: clip, FPS: fps})
	var c map[string]any
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Yard", "url": cam.URL(),
		"record": map[string]any{"mode": "continuous", "pre_roll_s": 2, "post_roll_s": 2},
		"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}, &c); code != 201 {
		t.Fatalf("create camera: %d %v", code, c)
	}
	n.waitStatus("yard", 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	n.waitRecordings("yard", 30*time.Second, "a recording", func(rs []recordingOut) bool { return len(rs) > 0 })
	t0 := time.Now().Truncate(time.Second).Add(time.Second)

	// Seen a second apart at +3..+6 s moving right, missed at +7, seen again at +8 and +9.
	var ss []store.Sighting
	for i, sec := range []int{3, 4, 5, 6, 8, 9} {
		x := 0.08 + 0.12*float64(i)
		ss = append(ss, store.Sighting{T: t0.Add(time.Duration(sec) * time.Second), Label: "person", Score: 0.6 + 0.05*float64(i),
			Box: [4]float64{x, 0.25 + 0.02*float64(i), x + 0.18, 0.9}})
	}
	ev := &store.Event{CameraID: "yard", Kind: store.EventObject, Start: ss[0].T, End: ss[len(ss)-1].T, Labels: []string{"person"},
		Score: ss[len(ss)-1].Score, Boxes: []store.Box{{Label: "person", Score: ss[len(ss)-1].Score, Box: ss[len(ss)-1].Box}}}
	ctx := context.Background()
	if err := n.st.CreateEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if err := n.st.AddSightings(ctx, ev.ID, ss); err != nil {
		t.Fatal(err)
	}
	// The footage up to the event's post-roll must be in closed segments.
	time.Sleep(time.Until(t0.Add(18 * time.Second)))

	ms := func(t time.Time) int64 { return t.UnixMilli() }
	shots := filepath.Join(webappDir(t), "review")
	_ = os.MkdirAll(shots, 0o755)
	var r struct {
		pageFaults
		Samples []struct {
			Wall, T float64
			Boxes   []struct{ X, Y, T float64 }
			Labels  []string
		}
	}
	runCheck(t, "sightings-check.mjs", adminLogin, &r, n.srv.URL, shots,
		strconv.FormatInt(ev.ID, 10), strconv.FormatInt(ms(t0.Add(10*time.Second)), 10), strconv.FormatInt(ms(t0.Add(4200*time.Millisecond)), 10))
	r.pageFaults.check(t)
	// The rule the page must follow: the sighting nearest the wall clock shown, when it is within
	// three quarters of the usual spacing (1 s) of it.
	const reach = 750.0
	expect := func(wall float64) (i int, drawn, sure bool) {
		best, d := -1, math.Inf(1)
		for i, s := range ss {
			if dd := math.Abs(float64(ms(s.T)) - wall); dd < d {
				best, d = i, dd
			}
		}
		// Too near a boundary to say (the wall clock shown is read to a frame): not judged.
		return best, d <= reach, math.Abs(d-reach) > 120
	}
	xs := map[float64]bool{}
	none, drawnN := 0, 0
	for _, s := range r.Samples {
		i, drawn, sure := expect(s.Wall)
		if !sure {
			continue
		}
		desc := fmt.Sprintf("at the wall clock +%.2f s", (s.Wall-float64(ms(t0)))/1000)
		switch {
		case !drawn && len(s.Boxes) != 0:
			t.Errorf("%s: boxes %+v drawn where the object was not seen", desc, s.Boxes)
		case drawn && len(s.Boxes) != 1:
			t.Errorf("%s: %d boxes, want the one of the sighting at +%s", desc, len(s.Boxes), ss[i].T.Sub(t0))
		case drawn && (math.Abs(s.Boxes[0].X-ss[i].Box[0]) > 1e-6 || math.Abs(s.Boxes[0].Y-ss[i].Box[1]) > 1e-6):
			t.Errorf("%s: box at x %.3f y %.3f, want the sighting at +%s (x %.3f y %.3f)", desc, s.Boxes[0].X, s.Boxes[0].Y, ss[i].T.Sub(t0), ss[i].Box[0], ss[i].Box[1])
		case drawn:
			xs[s.Boxes[0].X] = true
			drawnN++
			if len(s.Labels) != 1 || !strings.HasPrefix(s.Labels[0], "person") {
				t.Errorf("%s: labels %q", desc, s.Labels)
			}
		default:
			none++
		}
	}
	// Absent before the object was seen and across the keyframe it was missed on: both must be sampled.
	before, missed := false, false
	for _, s := range r.Samples {
		d := s.Wall - float64(ms(t0))
		before = before || (d < 2000 && len(s.Boxes) == 0)
		missed = missed || (d > 6850 && d < 7150 && len(s.Boxes) == 0)
	}
	if len(xs) < 4 || !before || !missed {
		t.Errorf("the box took %d places in %d samples with a box (%d without, of %d); absent before the object: %v, across the missed keyframe: %v",
			len(xs), drawnN, none, len(r.Samples), before, missed)
	}
	t.Logf("screenshots in %s", shots)
}
