package e2e

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// scene draws frame i of a synthetic camera into a luma plane (chroma stays grey).
type scene func(i int, y []byte, w, h int)

// writeY4M writes n frames of a 4:2:0 Y4M file for GStreamer's y4mdec.
func writeY4M(t *testing.T, path string, w, h, fps, n int, draw scene) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", w, h, fps)
	y := make([]byte, w*h)
	c := make([]byte, w*h/2)
	for i := range c {
		c[i] = 128
	}
	for i := 0; i < n; i++ {
		draw(i, y, w, h)
		bw.WriteString("FRAME\n")
		bw.Write(y)
		bw.Write(c)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
}

// background is a textured still scene with a little sensor noise.
func background(rng *rand.Rand) scene {
	return func(_ int, y []byte, w, h int) {
		for r := 0; r < h; r++ {
			for c := 0; c < w; c++ {
				v := 90 + (c*60)/w + (r*40)/h + ((c/16+r/16)%2)*20 + rng.Intn(5) - 2
				y[r*w+c] = byte(v)
			}
		}
	}
}

// encodeScene turns a drawn scene into a test camera clip.
func encodeScene(t *testing.T, w, h, fps, n int, draw scene) [][][]byte {
	t.Helper()
	y4m := filepath.Join(t.TempDir(), "scene.y4m")
	writeY4M(t, y4m, w, h, fps, n, draw)
	aus, err := testcam.Encode(t.TempDir(), testcam.Clip{Width: w, Height: h, FPS: fps, KeyInt: fps, BitrateKbps: 600, Frames: n,
		Source: "filesrc location=" + y4m + " ! y4mdec"})
	if err != nil {
		t.Fatal(err)
	}
	return aus
}

type eventOut struct {
	ID        string   `json:"id"`
	Camera    string   `json:"camera"`
	Kind      string   `json:"kind"`
	Start     string   `json:"start"`
	End       string   `json:"end"`
	Labels    []string `json:"labels"`
	Score     float64  `json:"score"`
	Snapshot  string   `json:"snapshot"`
	Recording *string  `json:"recording"`
}

func (n *nvr) events(query string) []eventOut {
	n.t.Helper()
	var out []eventOut
	if code := n.do("GET", "/api/events?"+query, nil, &out); code != 200 {
		n.t.Fatalf("events: HTTP %d", code)
	}
	return out
}

// TestMotionEventEndToEnd: one camera shows a still scene for the whole test (no event may come), the
// other a still scene, then an object moving for 5 s, then still again → exactly one motion event, whose
// recording includes the pre-roll.
func TestMotionEventEndToEnd(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	need(t)
	const w, h, fps = 320, 180, 10
	bg := background(rand.New(rand.NewSource(1)))
	still := encodeScene(t, w, h, fps, 2*fps, bg)
	// 60 s clip: the object moves from 20 s to 25 s.
	moving := encodeScene(t, w, h, fps, 60*fps, func(i int, y []byte, w, h int) {
		bg(i, y, w, h)
		if i >= 20*fps && i < 25*fps {
			x0 := 20 + (i-20*fps)*(w-80)/(5*fps)
			for r := 60; r < 130; r++ {
				for c := x0; c < x0+35; c++ {
					y[r*w+c] = 20
				}
			}
		}
	})
	n := startNVR(t)
	camStill := startCamera(t, testcam.Options{AUs: still, FPS: fps})
	camMove := startCamera(t, testcam.Options{AUs: moving, FPS: fps})
	t0 := time.Now() // the moving clip's frame 0 (it loops every 60 s from here)
	for name, url := range map[string]string{"Still": camStill.URL(), "Yard": camMove.URL()} {
		var c map[string]any
		if code := n.do("POST", "/api/cameras", map[string]any{"name": name, "url": url,
			"record": map[string]any{"mode": "events", "pre_roll_s": 6, "post_roll_s": 3},
			"detect": map[string]any{"enabled": false}}, &c); code != 201 {
			t.Fatalf("create %s: %d %v", name, code, c)
		}
	}
	for _, id := range []string{"still", "yard"} {
		n.waitStatus(id, 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	}
	// Wait past the burst (20–25 s) and the post-roll, but stop before the clip loops at 60 s.
	time.Sleep(time.Until(t0.Add(40 * time.Second)))
	evs := n.events("camera=yard&kind=motion")
	if len(evs) != 1 {
		t.Fatalf("the moving object made %d motion events, want 1: %+v", len(evs), evs)
	}
	ev := evs[0]
	start, _ := time.Parse(time.RFC3339Nano, ev.Start)
	if start.Before(t0.Add(19*time.Second)) || start.After(t0.Add(27*time.Second)) {
		t.Fatalf("motion event starts %.1f s into the clip, the object moves from 20 s to 25 s", start.Sub(t0).Seconds())
	}
	if ev.End == "" || ev.Score < 2 {
		t.Fatalf("motion event not ended or weak: %+v", ev)
	}
	if code, b, _ := n.body(ev.Snapshot, nil); code != 200 || len(b) < 100 || b[0] != 0xff || b[1] != 0xd8 {
		t.Fatalf("event snapshot: %d, %d bytes", code, len(b))
	}
	// Its recording starts with the pre-roll.
	rs := n.waitRecordings("yard", 20*time.Second, "the motion recording finished", func(rs []recordingOut) bool { return len(rs) == 1 && !rs[0].Open })
	_, pl, _ := n.body(rs[0].Playlist, nil)
	segs := parsePlaylist(t, string(pl))
	if first := segs[0].pdt; first.After(start.Add(-6 * time.Second).Add(2100 * time.Millisecond)) {
		t.Fatalf("the recording starts %.1f s before the event, want the 6 s pre-roll (within a segment)", start.Sub(first).Seconds())
	}
	evs = n.events("camera=yard")
	if evs[0].Recording == nil || *evs[0].Recording != rs[0].ID {
		t.Fatalf("event not linked to its recording %s: %+v", rs[0].ID, evs[0])
	}
	// The link is stored, by the recorder when the trigger opened the recording (not by the GET).
	id, _ := strconv.ParseInt(ev.ID, 10, 64)
	row, err := n.st.GetEvent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if row.RecordingID != rs[0].ID {
		t.Fatalf("the stored event's recording_id is %q, want the recorder's link to recording %s", row.RecordingID, rs[0].ID)
	}
	// The still camera: a full minute with no motion, no event, no recording.
	time.Sleep(time.Until(t0.Add(63 * time.Second))) // it streamed from about t0+2 s
	if evs := n.events("camera=still"); len(evs) != 0 {
		t.Fatalf("a still scene made events: %+v", evs)
	}
	if rs := n.recordings("still"); len(rs) != 0 {
		t.Fatalf("a still scene was recorded: %+v", rs)
	}
	var st struct {
		Analysis struct {
			MotionScore float64 `json:"motion_score"`
			Keyframes   int64   `json:"keyframes"`
		} `json:"analysis"`
	}
	n.do("GET", "/api/cameras/still/status", nil, &st)
	if st.Analysis.Keyframes < 20 || st.Analysis.MotionScore > 1 {
		t.Fatalf("still camera analysis: %+v", st.Analysis)
	}
	if _, b, _ := n.body("/metrics", nil); !strings.Contains(string(b), `nvr_motion_score{camera="still"}`) {
		t.Fatal("/metrics has no motion score")
	}
}

// TestObjectEventEndToEnd: a camera shows a still scene, then the dog photo → an object event "dog".
func TestObjectEventEndToEnd(t *testing.T) {
	need(t)
	img := filepath.Join(repoRoot, "..", "shared", "testdata", "images", "dog.jpg")
	if !fileExists(img) {
		testskip.Skip(t, "../shared/testdata/images/dog.jpg is absent", "put the shared/ directory beside the repository (../shared)")
	}
	if !fileExists(filepath.Join(repoRoot, "models", "yolox_nano.onnx")) || !fileExists(filepath.Join(repoRoot, "lib", "libonnxruntime.so")) {
		testskip.Skip(t, "the model or ONNX Runtime is not provisioned", "run make setup")
	}
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	photo, err := jpeg.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	const w, h, fps = 640, 360, 5
	gray := image.NewGray(image.Rect(0, 0, w*3/4, h))
	draw.CatmullRom.Scale(gray, gray.Bounds(), photo, photo.Bounds(), draw.Src, nil)
	bg := background(rand.New(rand.NewSource(2)))
	clip := encodeScene(t, w, h, fps, 40*fps, func(i int, y []byte, w, h int) {
		bg(i, y, w, h)
		if i >= 10*fps { // the dog (in grey) appears at 10 s and stays
			gw := gray.Bounds().Dx()
			for r := 0; r < h; r++ {
				copy(y[r*w+(w-gw):r*w+w], gray.Pix[r*gray.Stride:r*gray.Stride+gw])
			}
		}
	})
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{AUs: clip, FPS: fps})
	t0 := time.Now()
	var c map[string]any
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Porch", "url": cam.URL(),
		"record": map[string]any{"mode": "events", "pre_roll_s": 4, "post_roll_s": 3},
		"detect": map[string]any{"enabled": true, "idle_interval_s": 2}}, &c); code != 201 {
		t.Fatalf("create: %d %v", code, c)
	}
	var st struct {
		Analysis struct {
			DetectAvailable bool   `json:"detect_available"`
			DetectError     string `json:"detect_error"`
		} `json:"analysis"`
	}
	n.waitStatus("porch", 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	deadline := t0.Add(38 * time.Second)
	var evs []eventOut
	// Wait for the dog event itself: the model may first take the grey dog, on a noisy background, for
	// something else (a "car" event at 0.80 was seen once under load), which must not end the wait.
	hasDog := func(evs []eventOut) bool {
		for _, ev := range evs {
			start, _ := time.Parse(time.RFC3339Nano, ev.Start)
			for _, l := range ev.Labels {
				if l == "dog" && start.After(t0.Add(9*time.Second)) {
					return true
				}
			}
		}
		return false
	}
	found := false
	for time.Now().Before(deadline) && !found {
		evs = n.events("camera=porch&kind=object")
		if found = hasDog(evs); !found {
			time.Sleep(500 * time.Millisecond)
		}
	}
	n.do("GET", "/api/cameras/porch/status", nil, &st)
	if !st.Analysis.DetectAvailable {
		t.Fatalf("detection unavailable in nvrd: %s", st.Analysis.DetectError)
	}
	if !found {
		t.Fatalf("no object event with a dog after it appeared at 10 s: %+v", evs)
	}
}
