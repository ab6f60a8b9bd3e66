package e2e

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/testcam"
)

// probeAnswer is POST /api/cameras/probe's answer.
type probeAnswer struct {
	Video *struct {
		Codec             string  `json:"codec"`
		Profile           string  `json:"profile"`
		Width             int     `json:"width"`
		Height            int     `json:"height"`
		FPS               float64 `json:"fps"`
		KeyframeIntervalS float64 `json:"keyframe_interval_s"`
		BitrateBPS        int64   `json:"bitrate_bps"`
	} `json:"video"`
	Audio    any      `json:"audio"`
	Warnings []string `json:"warnings"`
	Error    string   `json:"error"`
}

// TestProbeDescribesTheRealStream: Test connection runs the real worker against a real RTSP camera and
// answers what the stream is; a wrong password and a closed port each get one plain sentence; nothing
// is saved by a probe.
func TestProbeDescribesTheRealStream(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{User: "op", Pass: "p@ss:w/rd"})
	url := "rtsp://" + cam.Addr() + "/stream"

	var ok probeAnswer
	code := n.do("POST", "/api/cameras/probe", map[string]any{"url": url, "user": "op", "password": "p@ss:w/rd"}, &ok)
	if code != http.StatusOK || ok.Video == nil {
		t.Fatalf("probe of a working camera: HTTP %d %+v", code, ok)
	}
	v := ok.Video
	t.Logf("probe: %+v warnings %q", *v, ok.Warnings)
	if v.Codec != "h264" || v.Profile != "High" || v.Width != 640 || v.Height != 360 {
		t.Errorf("probe says %s %s %dx%d, want h264 High 640x360", v.Codec, v.Profile, v.Width, v.Height)
	}
	if v.FPS < 20 || v.FPS > 30 {
		t.Errorf("probe says %.2f fps, the camera sends 25", v.FPS)
	}
	if v.KeyframeIntervalS < 0.8 || v.KeyframeIntervalS > 1.2 {
		t.Errorf("probe says a keyframe every %.2f s, the camera sends one every 1 s", v.KeyframeIntervalS)
	}
	// The clip's own rate: its NAL units' bytes over its duration.
	var clipBytes int
	for _, au := range clip {
		for _, nalu := range au {
			clipBytes += len(nalu)
		}
	}
	want := float64(clipBytes*8) / (float64(len(clip)) / 25)
	if r := float64(v.BitrateBPS) / want; r < 0.8 || r > 1.25 {
		t.Errorf("probe says %d bit/s, the clip has %.0f bit/s", v.BitrateBPS, want)
	}
	if ok.Audio != nil || ok.Warnings == nil || len(ok.Warnings) != 0 {
		t.Errorf("audio %v, warnings %q: want null and []", ok.Audio, ok.Warnings)
	}

	var bad probeAnswer
	code = n.do("POST", "/api/cameras/probe", map[string]any{"url": url, "user": "op", "password": "wrong password"}, &bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(bad.Error, "password") || bad.Video != nil {
		t.Errorf("wrong password: HTTP %d %+v, want 422 and a sentence about the password", code, bad)
	}
	if strings.Contains(bad.Error, "wrong password") {
		t.Errorf("the error repeats the password: %q", bad.Error)
	}

	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	var none probeAnswer
	code = n.do("POST", "/api/cameras/probe", map[string]any{"url": "rtsp://" + closed + "/stream"}, &none)
	t.Logf("wrong password: %q; closed port: %q", bad.Error, none.Error)
	if code != http.StatusUnprocessableEntity || !strings.Contains(none.Error, closed) {
		t.Errorf("closed port: HTTP %d %+v, want 422 and a sentence naming %s", code, none, closed)
	}

	// Credentials both in the URL and in the fields: refused before anything runs.
	var both probeAnswer
	if code := n.do("POST", "/api/cameras/probe", map[string]any{"url": cam.URL(), "user": "op", "password": "x"}, &both); code != 400 || both.Error == "" {
		t.Errorf("credentials twice: HTTP %d %+v", code, both)
	}
	var cams []store.Camera
	n.do("GET", "/api/cameras", nil, &cams)
	if len(cams) != 0 {
		t.Errorf("probes saved cameras: %+v", cams)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(n.dataDir), "ram", "run", "probe-*")); len(left) > 0 {
		t.Errorf("probe files left in the run directory: %v", left)
	}
}

// TestProbeWarnsOfSlowKeyframes: a camera with a keyframe every 3 s gets the warning a person can act on.
func TestProbeWarnsOfSlowKeyframes(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	need(t)
	aus, err := testcam.Encode(filepath.Join(repoRoot, ".cache", "testclips"), testcam.Clip{Width: 320, Height: 180, FPS: 25, KeyInt: 75, BitrateKbps: 300, Frames: 150})
	if err != nil {
		t.Fatal(err)
	}
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{AUs: aus})
	var out probeAnswer
	if code := n.do("POST", "/api/cameras/probe", map[string]any{"url": cam.URL()}, &out); code != 200 || out.Video == nil {
		t.Fatalf("probe: HTTP %d %+v", code, out)
	}
	if out.Video.Width != 320 || out.Video.Height != 180 {
		t.Errorf("probe says %dx%d, want 320x180", out.Video.Width, out.Video.Height)
	}
	t.Logf("probe: %+v warnings %q", *out.Video, out.Warnings)
	if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "motion reacts up to 3 s late") || !strings.Contains(out.Warnings[0], "I-frame interval to 1–2 s") {
		t.Errorf("warnings %q, want the keyframe-interval warning with 3 s", out.Warnings)
	}
}

// TestCreateCameraAssemblesCredentials: POST /api/cameras takes user and password apart from the URL
// and stores them in it, escaped.
func TestCreateCameraAssemblesCredentials(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	n := startNVR(t)
	var c store.Camera
	code := n.do("POST", "/api/cameras", map[string]any{"name": "Gate", "url": "rtsp://127.0.0.1:8554/s", "user": "op", "password": "p@ss:w/rd", "enabled": false}, &c)
	if code != http.StatusCreated || c.URL != "rtsp://op:p%40ss%3Aw%2Frd@127.0.0.1:8554/s" {
		t.Fatalf("create: HTTP %d, URL %q", code, c.URL)
	}
	var e struct{ Error string }
	code = n.do("POST", "/api/cameras", map[string]any{"name": "Door", "url": "rtsp://127.0.0.1:8554/s", "password": "x"}, &e)
	if code != 400 || !strings.Contains(e.Error, "without a user") {
		t.Fatalf("password without user: HTTP %d %q", code, e.Error)
	}
	var cams []store.Camera
	n.do("GET", "/api/cameras", nil, &cams)
	if len(cams) != 1 {
		t.Fatalf("%d cameras after one good and one refused create", len(cams))
	}
}

// TestProbeH265 names the codec in its answer: either the worker refuses the stream in a sentence that
// says so, or the stream is described as H.265 with the warning that browsers cannot play it live.
func TestProbeH265(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	n := startNVR(t)
	// A real x265 stream (testcam.Options{H265: true} alone would announce H.265 and send the H.264 clip).
	cam := startCamera(t, clipStream(t, testcam.HEVC).Options(testcam.HEVC.FPS))
	var out probeAnswer
	code := n.do("POST", "/api/cameras/probe", map[string]any{"url": cam.URL()}, &out)
	t.Logf("H.265 probe: HTTP %d %+v", code, out)
	switch {
	case code == http.StatusUnprocessableEntity:
		if !strings.Contains(out.Error, "H.26") {
			t.Errorf("the error does not name the codec: %q", out.Error)
		}
	case code == http.StatusOK:
		if out.Video == nil || out.Video.Codec != "h265" || len(out.Warnings) == 0 || !strings.Contains(strings.Join(out.Warnings, " "), "H.265") {
			t.Errorf("an H.265 stream described as %+v with warnings %q", out.Video, out.Warnings)
		}
	default:
		t.Errorf("HTTP %d %+v", code, out)
	}
}
