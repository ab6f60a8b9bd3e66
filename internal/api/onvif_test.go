package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/onvif"
	"github.com/nvrproject/nvr/internal/onvif/onviftest"
	"github.com/nvrproject/nvr/internal/store"
)

// stubONVIF answers the test env's ONVIF calls without a network, so no test reaches the cameras'
// made-up 10.0.0.x addresses; the ONVIF tests below replace it with the real service and a fake device.
type stubONVIF struct{}

func (stubONVIF) Discover(context.Context, string, string) ([]onvif.Device, error) { return nil, nil }
func (stubONVIF) Profiles(context.Context, onvif.Target) ([]onvif.Profile, error)  { return nil, nil }
func (stubONVIF) Move(context.Context, onvif.Target, float64, float64, float64) error {
	return nil
}
func (stubONVIF) Stop(context.Context, onvif.Target) error                      { return nil }
func (stubONVIF) Presets(context.Context, onvif.Target) ([]onvif.Preset, error) { return nil, nil }
func (stubONVIF) GotoPreset(context.Context, onvif.Target, string) error        { return nil }
func (stubONVIF) SetPreset(context.Context, onvif.Target, string) (string, error) {
	return "", nil
}

// onvifEnv is a test env whose ONVIF is the real service, probing the fake device's loopback
// discovery port by unicast (never multicast), with yard's onvif address set to the fake device.
func onvifEnv(t *testing.T, moveTimeout time.Duration) (*testEnv, *onviftest.Device) {
	t.Helper()
	// yard's RTSP URL is rtsp://op:yard-secret@…: the PTZ calls sign with that account.
	d := onviftest.Start(t, "op", "yard-secret")
	svc := &onvif.Service{DiscoveryAddr: d.DiscoveryAddr(), DiscoveryWait: time.Second, MoveTimeout: moveTimeout}
	t.Cleanup(svc.Close)
	e := newEnv(t, func(o *Options) { o.ONVIF = svc })
	if code, out := e.do(t, "PATCH", "/api/cameras/yard", e.admin, `{"onvif":"`+d.Addr()+`"}`, nil); code != 200 {
		t.Fatalf("PATCH onvif: HTTP %d %s", code, out)
	}
	return e, d
}

// viewerToken adds a viewer with perm on yard and returns its token.
func viewerToken(t *testing.T, e *testEnv, name string, perm store.Perm) string {
	t.Helper()
	ctx := context.Background()
	u := &store.User{Name: name, Role: store.RoleViewer, PasswordHash: pwHash, Cameras: map[string]store.Perm{"yard": perm}}
	if err := e.st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok, err := e.auth.NewToken(ctx, name, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestONVIFDiscoverAndProfiles(t *testing.T) {
	e, d := onvifEnv(t, time.Minute)
	code, out := e.do(t, "POST", "/api/onvif/discover", e.admin, "", nil)
	if code != 200 {
		t.Fatalf("discover: HTTP %d %s", code, out)
	}
	var devs []onvif.Device
	if err := json.Unmarshal([]byte(out), &devs); err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].Manufacturer != onviftest.Maker || devs[0].Model != onviftest.Model || devs[0].Address != d.Addr() {
		t.Fatalf("discover = %s; want the fake %s %s at %s", out, onviftest.Maker, onviftest.Model, d.Addr())
	}
	// With an account, discovery also brings each device's profiles.
	code, out = e.do(t, "POST", "/api/onvif/discover", e.admin, `{"user":"op","password":"yard-secret"}`, nil)
	if code != 200 || !strings.Contains(out, d.MainURI) || !strings.Contains(out, d.SubURI) {
		t.Fatalf("discover with an account: HTTP %d %s; want both RTSP URIs", code, out)
	}
	code, out = e.do(t, "POST", "/api/onvif/profiles", e.admin,
		`{"address":"`+d.Addr()+`","user":"op","password":"yard-secret"}`, nil)
	if code != 200 {
		t.Fatalf("profiles: HTTP %d %s", code, out)
	}
	var ps []onvif.Profile
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].RTSP != d.MainURI || ps[1].RTSP != d.SubURI || ps[0].Width != 1920 || ps[1].Codec != "H264" {
		t.Fatalf("profiles = %s", out)
	}
	code, out = e.do(t, "POST", "/api/onvif/profiles", e.admin,
		`{"address":"`+d.Addr()+`","user":"op","password":"wrong"}`, nil)
	if code != 502 || !strings.Contains(out, "refused") {
		t.Errorf("profiles with a wrong password: HTTP %d %s; want 502 saying the device refused", code, out)
	}
}

func TestPTZReachesDeviceAndNeedsPermission(t *testing.T) {
	e, d := onvifEnv(t, time.Minute)
	liveOnly := viewerToken(t, e, "looker", store.Perm{Live: true})
	ptzViewer := viewerToken(t, e, "steerer", store.Perm{Live: true, PTZ: true})

	move := `{"move":{"pan":-0.5,"tilt":0.75,"zoom":0}}`
	if code, out := e.do(t, "POST", "/api/cameras/yard/ptz", liveOnly, move, nil); code != 403 {
		t.Fatalf("viewer without ptz: HTTP %d %s, want 403", code, out)
	}
	if code, _ := e.do(t, "GET", "/api/cameras/yard/ptz/presets", liveOnly, "", nil); code != 403 {
		t.Fatalf("viewer without ptz, presets: HTTP %d, want 403", code)
	}
	if n := len(d.Calls()); n != 0 {
		t.Fatalf("the refused viewer's move reached the device: %+v", d.Calls())
	}
	if code, out := e.do(t, "POST", "/api/cameras/yard/ptz", ptzViewer, move, nil); code != 200 {
		t.Fatalf("viewer with ptz: HTTP %d %s, want 200", code, out)
	}
	c := d.WaitCall(t, 0, 10*time.Second, func(c onviftest.Call) bool { return c.Op == "ContinuousMove" })
	if c.Pan != -0.5 || c.Tilt != 0.75 || c.Zoom != 0 {
		t.Errorf("the device got pan %v tilt %v zoom %v, want -0.5 0.75 0", c.Pan, c.Tilt, c.Zoom)
	}
	if code, out := e.do(t, "POST", "/api/cameras/yard/ptz", ptzViewer, `{"move":{"pan":1.5}}`, nil); code != 400 {
		t.Errorf("pan 1.5: HTTP %d %s, want 400", code, out)
	}
	for _, body := range []string{`{"stop":true}`, `{"preset":"2"}`, `{"save_preset":"Porch"}`} {
		if code, out := e.do(t, "POST", "/api/cameras/yard/ptz", ptzViewer, body, nil); code != 200 {
			t.Fatalf("%s: HTTP %d %s", body, code, out)
		}
	}
	code, out := e.do(t, "GET", "/api/cameras/yard/ptz/presets", ptzViewer, "", nil)
	if code != 200 || !strings.Contains(out, `"Gate"`) || !strings.Contains(out, `"Porch"`) {
		t.Fatalf("presets: HTTP %d %s; want Gate and the saved Porch", code, out)
	}
	var ops []string
	for _, c := range d.Calls() {
		ops = append(ops, c.Op)
	}
	if got := strings.Join(ops, ","); got != "ContinuousMove,Stop,GotoPreset,SetPreset" {
		t.Errorf("device calls = %s", got)
	}
	// The viewer does not see the ONVIF address (like the URL, it may hold a password).
	if _, out := e.do(t, "GET", "/api/cameras/yard", ptzViewer, "", nil); strings.Contains(out, d.Addr()) {
		t.Errorf("a viewer sees the ONVIF address: %s", out)
	}
}

// A move whose browser goes away (no further move, no stop) is stopped by nvrd.
func TestPTZMoveStopsByItself(t *testing.T) {
	e, d := onvifEnv(t, 300*time.Millisecond)
	if code, out := e.do(t, "POST", "/api/cameras/yard/ptz", e.admin, `{"move":{"pan":0.2,"tilt":0,"zoom":0}}`, nil); code != 200 {
		t.Fatalf("move: HTTP %d %s", code, out)
	}
	d.WaitCall(t, 1, 20*time.Second, func(c onviftest.Call) bool { return c.Op == "Stop" })
}

func TestPTZWithoutONVIFAddressSaysSo(t *testing.T) {
	e := newEnv(t)
	if code, out := e.do(t, "PATCH", "/api/cameras/yard", e.admin, `{"url":"demo://","onvif":""}`, nil); code != 200 {
		t.Fatalf("PATCH: %d %s", code, out)
	}
	code, out := e.do(t, "POST", "/api/cameras/yard/ptz", e.admin, `{"stop":true}`, nil)
	if code != 409 || !strings.Contains(out, "no ONVIF address") {
		t.Errorf("HTTP %d %s; want 409 saying the camera has no ONVIF address", code, out)
	}
	if code, out := e.do(t, "PATCH", "/api/cameras/yard", e.admin, `{"onvif":"ftp://x"}`, nil); code != 400 {
		t.Errorf("onvif ftp://x: HTTP %d %s, want 400", code, out)
	}
}

func TestCameraONVIFTarget(t *testing.T) {
	for _, tc := range []struct {
		url, onvifAddr string
		want           onvif.Target
	}{
		{"rtsp://op:pw@10.0.0.5:554/s1", "", onvif.Target{Addr: "10.0.0.5:80", User: "op", Password: "pw"}},
		{"rtsp://op:pw@10.0.0.5/s1", "10.0.0.5:8000", onvif.Target{Addr: "10.0.0.5:8000", User: "op", Password: "pw"}},
		{"rtsp://op:pw@10.0.0.5/s1", "http://ptz:other@10.0.0.5:8080/onvif/device_service", onvif.Target{Addr: "10.0.0.5:8080", User: "ptz", Password: "other"}},
		{"rtsp://[fd00::5]/s1", "", onvif.Target{Addr: "[fd00::5]:80"}},
	} {
		got, err := cameraONVIF(&store.Camera{URL: tc.url, CameraSettings: store.CameraSettings{ONVIF: tc.onvifAddr}})
		if err != nil || got != tc.want {
			t.Errorf("cameraONVIF(%s, %q) = %+v, %v; want %+v", tc.url, tc.onvifAddr, got, err, tc.want)
		}
	}
}
