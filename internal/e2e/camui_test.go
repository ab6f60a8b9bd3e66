package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/onvif/onviftest"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/manifest"
)

// camuiRun is one run of ui/test/camui-check.mjs: its stdin and its stdout lines.
type camuiRun struct {
	t  *testing.T
	in io.WriteCloser
	sc *bufio.Scanner
}

// startCamui runs camui-check.mjs in mode against n; screenshots go to <webapp dir>/camui.
func startCamui(t *testing.T, mode string, n *nvr, env ...string) *camuiRun {
	t.Helper()
	dir := filepath.Join(webappDir(t), "camui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, in, sc := startScript(t, "camui-check.mjs", mode, n.srv.URL, dir, env...)
	return &camuiRun{t: t, in: in, sc: sc}
}

// until reads lines until one is a JSON object with key; a final result line instead fails the test.
func (r *camuiRun) until(key string) map[string]any {
	r.t.Helper()
	last := ""
	for r.sc.Scan() {
		last = r.sc.Text()
		var m map[string]any
		if json.Unmarshal(r.sc.Bytes(), &m) != nil {
			continue
		}
		if _, ok := m[key]; ok {
			return m
		}
		if _, done := m["mode"]; done {
			r.t.Fatalf("the browser script ended before %q: %s", key, r.sc.Text())
		}
	}
	r.t.Fatalf("the browser script ended before %q (its last line: %.2000s)", key, last)
	return nil
}

func (r *camuiRun) next() { _, _ = io.WriteString(r.in, "next\n") }

// addUser creates a user with a password and per-camera permissions.
func addUser(t *testing.T, n *nvr, name, password, role string, perms map[string]store.Perm) {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.st.CreateUser(context.Background(), &store.User{Name: name, Role: role, PasswordHash: hash, Cameras: perms}); err != nil {
		t.Fatal(err)
	}
}

func streaming(s supervisor.Status) bool { return s.State == supervisor.StateStreaming }

// TestCamuiLiveAudioAndH265: the single view of an H.264+AAC camera starts muted with an Unmute
// button; after unmuting, the video element decodes audio (webkitAudioDecodedByteCount grows) while
// the picture plays. An H.265 camera, which this Chromium's MSE cannot decode, shows one sentence
// saying so instead of a black box.
func TestCamuiLiveAudioAndH265(t *testing.T) {
	need(t)
	needBrowser(t)
	aac, err := testcam.EncodeAAC(filepath.Join(repoRoot, ".cache", "testclips"))
	if err != nil {
		t.Fatal(err)
	}
	camA := startCamera(t, testcam.Options{Audio: testcam.AudioAAC, AAC: aac})
	hevc := clipStream(t, testcam.HEVC)
	camH := startCamera(t, hevc.Options(testcam.HEVC.FPS))
	n := startNVR(t)
	a := n.addCamera("Doorbell", camA.URL())
	h := n.addCamera("Garage", camH.URL())
	n.waitStatus(a, 45*time.Second, "streaming with audio", func(s supervisor.Status) bool { return streaming(s) && s.Audio == "aac" })
	n.waitStatus(h, 45*time.Second, "streaming H.265", func(s supervisor.Status) bool { return streaming(s) && s.Codec == "h265" })
	r := startCamui(t, "audio", n, "NVR_USER=root", "NVR_PASSWORD=correct horse battery", "NVR_AAC_ID="+a, "NVR_HEVC_ID="+h)
	res := webappDone(t, r.sc)
	type vs struct {
		T     float64 `json:"t"`
		W     int     `json:"w"`
		Muted bool    `json:"muted"`
		Audio int64   `json:"audio"`
	}
	var got struct {
		Before, After1, After2 vs
		HevcSupported          bool   `json:"hevcSupported"`
		Sentence               string `json:"sentence"`
	}
	if err := json.Unmarshal(res.Result, &got); err != nil {
		t.Fatalf("result %s: %v", res.Result, err)
	}
	if !got.Before.Muted {
		t.Errorf("the live tile did not start muted: %+v", got.Before)
	}
	if got.After2.Muted || got.After2.Audio <= got.After1.Audio || got.After2.W == 0 {
		t.Errorf("after Unmute the video is %+v (at unmute %+v), want unmuted, playing, with audio bytes decoded and growing", got.After2, got.After1)
	}
	if got.HevcSupported {
		t.Logf("this Chromium's MSE decodes HEVC: the H.265 sentence is not expected")
	} else if !strings.HasPrefix(got.Sentence, "This browser cannot play H.265 live;") || strings.Count(got.Sentence, ". ") > 0 {
		t.Errorf("the H.265 tile says %q, want one sentence starting \"This browser cannot play H.265 live;\"", got.Sentence)
	}
}

// TestCamuiONVIFPicker: on the add-camera page "Find cameras" lists the FAKE ONVIF device
// (onviftest: SOAP on loopback, its WS-Discovery responder probed by unicast on 127.0.0.1, never
// multicast) with maker, model and address; picked, with its account, it shows the main and sub RTSP
// URIs, and "Use this camera" fills the form, which saves a camera with that URL and ONVIF address.
func TestCamuiONVIFPicker(t *testing.T) {
	need(t)
	needBrowser(t)
	d := onviftest.Start(t, "onvif-admin", "pan tilt zoom")
	n := startNVRWith(t, nvrOptions{onvifDiscovery: d.DiscoveryAddr()})
	r := startCamui(t, "onvif", n, "NVR_USER=root", "NVR_PASSWORD=correct horse battery",
		"NVR_ONVIF_USER=onvif-admin", "NVR_ONVIF_PASSWORD=pan tilt zoom")
	res := webappDone(t, r.sc)
	var got struct {
		Listed   string            `json:"listed"`
		Profiles string            `json:"profiles"`
		Form     map[string]string `json:"form"`
		Wrong    string            `json:"wrongPassword"`
	}
	if err := json.Unmarshal(res.Result, &got); err != nil {
		t.Fatalf("result %s: %v", res.Result, err)
	}
	if !strings.Contains(got.Wrong, "refused the user name or password") || strings.Contains(got.Wrong, "not the password") || d.AuthFailures() == 0 {
		t.Errorf("with a wrong ONVIF password the page said %q (device saw %d refused requests)", got.Wrong, d.AuthFailures())
	}
	t.Logf("wrong ONVIF password: %q", got.Wrong)
	for _, want := range []string{onviftest.Maker, onviftest.Model, d.Addr()} {
		if !strings.Contains(got.Listed, want) {
			t.Errorf("the device list %q does not show %q", got.Listed, want)
		}
	}
	if !strings.Contains(got.Profiles, d.MainURI) || !strings.Contains(got.Profiles, d.SubURI) {
		t.Errorf("the profiles %q do not show the main %s and sub %s URIs", got.Profiles, d.MainURI, d.SubURI)
	}
	if got.Form["url"] != d.MainURI || got.Form["user"] != "onvif-admin" || got.Form["password"] != "pan tilt zoom" ||
		got.Form["name"] != onviftest.Maker+" "+onviftest.Model {
		t.Errorf("the form was filled with %v", got.Form)
	}
	c, err := n.st.Camera(context.Background(), res.Camera)
	if err != nil {
		t.Fatalf("the saved camera %q: %v", res.Camera, err)
	}
	if c.ONVIF != d.Addr() || !strings.HasSuffix(c.URL, "@127.0.0.1:8554/main") || !strings.Contains(c.URL, "onvif-admin:") {
		t.Errorf("saved camera url %q onvif %q, want the main URI with the account and onvif %s", c.URL, c.ONVIF, d.Addr())
	}
}

// TestCamuiPTZ: a viewer with the ptz permission holds the left arrow key on the single view: the FAKE
// ONVIF device gets ContinuousMove pan -0.5 (repeated while held, no stop meanwhile) and Stop on
// release; holding the on-video Zoom in button zooms and letting go stops; presets go and save; a move
// whose browser goes away is stopped by nvrd. A viewer without ptz sees no controls and gets 403.
func TestCamuiPTZ(t *testing.T) {
	need(t)
	needBrowser(t)
	cam := startCamera(t, testcam.Options{User: "cam", Pass: "s3cret"})
	d := onviftest.Start(t, "cam", "s3cret")
	n := startNVR(t)
	id := n.addCamera("Drive", cam.URL())
	if code := n.do("PATCH", "/api/cameras/"+id, map[string]any{"onvif": d.Addr()}, nil); code != 200 {
		t.Fatalf("PATCH onvif: HTTP %d", code)
	}
	n.waitStatus(id, 45*time.Second, "streaming", streaming)
	addUser(t, n, "pilot", "pilot password 1", store.RoleViewer, map[string]store.Perm{id: {Live: true, PTZ: true}})
	addUser(t, n, "watcher", "watcher password 1", store.RoleViewer, map[string]store.Perm{id: {Live: true}})
	r := startCamui(t, "ptz", n, "NVR_USER=pilot", "NVR_PASSWORD=pilot password 1", "NVR_CAMERA_ID="+id,
		"NVR_USER2=watcher", "NVR_PASSWORD2=watcher password 1")
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
	move := func(pan, tilt, zoom float64) func(onviftest.Call) bool {
		return func(c onviftest.Call) bool {
			return c.Op == "ContinuousMove" && near(c.Pan, pan) && near(c.Tilt, tilt) && near(c.Zoom, zoom)
		}
	}
	isStop := func(c onviftest.Call) bool { return c.Op == "Stop" }
	hold := func(what string, pan, tilt, zoom float64) int {
		r.until("holding")
		from := len(d.Calls())
		d.WaitCall(t, 0, 30*time.Second, move(pan, tilt, zoom))
		// Held: the page repeats the move (nvrd's lease), and nothing stops it meanwhile.
		first := len(d.Calls())
		d.WaitCall(t, first, 30*time.Second, move(pan, tilt, zoom))
		for _, c := range d.Calls()[from:] {
			if c.Op != "ContinuousMove" {
				t.Errorf("while %s was held the device got %+v", what, c)
			}
		}
		n := len(d.Calls())
		r.next()
		return n
	}
	release := func(what string, from int) {
		r.until("released")
		c := d.WaitCall(t, from, 30*time.Second, isStop)
		t.Logf("%s released: Stop at %s", what, c.At.Format(time.RFC3339Nano))
		r.next()
	}
	release("the left arrow", hold("the left arrow", -0.5, 0, 0))
	release("Zoom in", hold("Zoom in", 0, 0, 0.5))
	// Presets (done by the page in between), then Up held and the browser closed mid-move.
	r.until("holding")
	d.WaitCall(t, 0, 30*time.Second, func(c onviftest.Call) bool { return c.Op == "GotoPreset" && c.Preset == "2" })
	d.WaitCall(t, 0, 30*time.Second, func(c onviftest.Call) bool { return c.Op == "SetPreset" && c.Name == "Porch" })
	d.WaitCall(t, 0, 30*time.Second, move(0, 0.5, 0))
	up := len(d.Calls())
	r.next()
	r.until("closed")
	// No key was released: the page went away; the lease lapses and nvrd sends Stop (within 4 s).
	d.WaitCall(t, up, 30*time.Second, isStop)
	r.next()
	res := webappDone(t, r.sc)
	var got struct {
		Pressed  string `json:"pressed"`
		Presets  string `json:"presets"`
		Controls int    `json:"controlsForViewerWithoutPTZ"`
	}
	if err := json.Unmarshal(res.Result, &got); err != nil {
		t.Fatalf("result %s: %v", res.Result, err)
	}
	if got.Pressed != "true" {
		t.Errorf("while the left arrow was held the Pan left button was not shown pressed (%q)", got.Pressed)
	}
	if !strings.Contains(got.Presets, "Gate") || !strings.Contains(got.Presets, "Porch") {
		t.Errorf("the preset list shows %q, want Gate, Drive and the saved Porch", got.Presets)
	}
	if got.Controls != 0 {
		t.Errorf("a viewer without ptz sees %d PTZ controls", got.Controls)
	}
	tok, err := n.app.Auth.NewToken(context.Background(), "watcher", "test")
	if err != nil {
		t.Fatal(err)
	}
	viewer := &nvr{t: t, srv: n.srv, token: tok}
	if code := viewer.do("POST", "/api/cameras/"+id+"/ptz", map[string]any{"move": map[string]float64{"pan": 0.5}}, nil); code != 403 {
		t.Errorf("a viewer without ptz moving the camera: HTTP %d, want 403", code)
	}
}

// TestCamuiScreenshots saves the pages this part of the app touches (the grid with its tiles' Unmute
// buttons and the H.265 sentence, single view with PTZ and export,
// the H.265 tile, the ONVIF picker, Security settings, the audit log and its empty state) at 1280×800
// and 390×844, light and dark, under <webapp dir>/camui for a person to look at.
func TestCamuiScreenshots(t *testing.T) {
	need(t)
	needBrowser(t)
	cam := startCamera(t, testcam.Options{User: "cam", Pass: "s3cret"})
	hevc := clipStream(t, testcam.HEVC)
	camH := startCamera(t, hevc.Options(testcam.HEVC.FPS))
	aac, err := testcam.EncodeAAC(filepath.Join(repoRoot, ".cache", "testclips"))
	if err != nil {
		t.Fatal(err)
	}
	camA := startCamera(t, testcam.Options{Audio: testcam.AudioAAC, AAC: aac})
	d := onviftest.Start(t, "cam", "s3cret")
	n := startNVRWith(t, nvrOptions{onvifDiscovery: d.DiscoveryAddr()})
	id := n.addCamera("Drive", cam.URL())
	h := n.addCamera("Garage", camH.URL())
	n.addCamera("Doorbell", camA.URL())
	if code := n.do("PATCH", "/api/cameras/"+id, map[string]any{"onvif": d.Addr()}, nil); code != 200 {
		t.Fatalf("PATCH onvif: HTTP %d", code)
	}
	n.waitStatus(id, 45*time.Second, "streaming", streaming)
	n.waitStatus(h, 45*time.Second, "streaming", streaming)
	r := startCamui(t, "shots", n, "NVR_USER=root", "NVR_PASSWORD=correct horse battery", "NVR_CAMERA_ID="+id,
		"NVR_HEVC_ID="+h, "NVR_ONVIF_USER=cam", "NVR_ONVIF_PASSWORD=s3cret")
	res := webappDone(t, r.sc)
	var got struct {
		Shots []string `json:"shots"`
	}
	_ = json.Unmarshal(res.Result, &got)
	if len(got.Shots) != 28 {
		t.Fatalf("%d screenshots, want 28", len(got.Shots))
	}
	t.Logf("screenshots in %s", filepath.Join(webappDir(t), "camui"))
}

// TestCamuiAuditPage: the audit page filters by user, action and camera over GET /api/audit and pages
// 50 entries at a time, oldest first, without losing or repeating entries that share one instant
// across a page boundary; a filter nothing matches says so.
func TestCamuiAuditPage(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	id := n.addCamera("Gate", "rtsp://127.0.0.1:9/nothing-listens-here")
	ctx := context.Background()
	t0 := time.Now().Add(-2 * time.Hour)
	for i := 0; i < 62; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		if i >= 48 && i <= 52 {
			at = t0.Add(48 * time.Minute) // five entries at one instant, across the page boundary
		}
		e := store.AuditEntry{At: at, User: "alice", Addr: "192.0.2.7", Action: store.AuditLoginOK, Detail: fmt.Sprintf("n%02d", i)}
		if i%20 == 5 {
			e.Action, e.Camera, e.Detail = store.AuditExport, id, fmt.Sprintf("n%02d export", i)
		}
		if err := n.st.AddAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := n.st.AddAudit(ctx, store.AuditEntry{At: at, User: "bob", Addr: "192.0.2.8", Action: store.AuditLoginOK}); err != nil {
			t.Fatal(err)
		}
	}
	r := startCamui(t, "audit", n, "NVR_USER=root", "NVR_PASSWORD=correct horse battery", "NVR_AUDIT_USER=alice", "NVR_CAMERA_NAME=Gate")
	res := webappDone(t, r.sc)
	var got struct {
		Page1, Page2, Exports      [][]string
		NextEnabled1, NextEnabled2 bool
		Back                       int
	}
	if err := json.Unmarshal(res.Result, &got); err != nil {
		t.Fatalf("result %s: %v", res.Result, err)
	}
	seen := map[string]int{}
	for _, row := range append(got.Page1, got.Page2...) {
		if len(row) != 6 || row[1] != "alice" {
			t.Fatalf("a row of the filtered log is %q, want alice's", row)
		}
		seen[strings.TrimSuffix(row[5], " export")]++
	}
	if len(got.Page1) != 50 || len(got.Page2) != 12 || !got.NextEnabled1 || got.NextEnabled2 || got.Back != 50 {
		t.Errorf("pages of %d and %d rows (next page enabled %v, %v; back %d), want 50 and 12, then no next page",
			len(got.Page1), len(got.Page2), got.NextEnabled1, got.NextEnabled2, got.Back)
	}
	for i := 0; i < 62; i++ {
		if k := fmt.Sprintf("n%02d", i); seen[k] != 1 {
			t.Errorf("entry %s is shown %d times over the two pages", k, seen[k])
		}
	}
	if len(got.Exports) != 3 {
		t.Errorf("alice's exports of Gate: %d rows %q, want 3", len(got.Exports), got.Exports)
	}
	for _, row := range got.Exports {
		if row[3] != "Export" || row[4] != "Gate" {
			t.Errorf("an export row is %q", row)
		}
	}
}

// TestCamuiExportOffersSignature: the single view's export offers the MP4 and, next to it, its .sig for
// the same span; both downloaded, the signature verifies the clip (pkg/manifest, as nvrd verify does),
// and the page names the nvrd verify command.
func TestCamuiExportOffersSignature(t *testing.T) {
	need(t)
	needBrowser(t)
	cam := startCamera(t, testcam.Options{})
	n := startNVR(t)
	var c store.Camera
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Gate", "url": cam.URL(),
		"record": map[string]any{"mode": "events", "pre_roll_s": 0, "post_roll_s": 0}, "motion": map[string]any{"enabled": false}}, &c); code != 201 {
		t.Fatalf("create: HTTP %d", code)
	}
	n.waitStatus(c.ID, 45*time.Second, "streaming", streaming)
	if code := n.do("POST", "/api/cameras/"+c.ID+"/record", map[string]any{"seconds": 3}, nil); code != 202 {
		t.Fatalf("record: HTTP %d", code)
	}
	n.waitRecordings(c.ID, 60*time.Second, "a finished recording", func(rs []recordingOut) bool { return len(rs) > 0 && !rs[0].Open && rs[0].End != "" })
	r := startCamui(t, "export", n, "NVR_USER=root", "NVR_PASSWORD=correct horse battery", "NVR_CAMERA_ID="+c.ID)
	res := webappDone(t, r.sc)
	var got struct {
		MP4, Sig, MP4File, SigFile, VerifyHint string
	}
	if err := json.Unmarshal(res.Result, &got); err != nil {
		t.Fatalf("result %s: %v", res.Result, err)
	}
	mq, sq, _ := strings.Cut(got.MP4, "?")
	sp, sigq, _ := strings.Cut(got.Sig, "?")
	if mq != "api/cameras/gate/export.mp4" || sp != "api/cameras/gate/export.mp4.sig" || sq != sigq || sq == "" {
		t.Fatalf("the page offers %q and %q, want export.mp4 and export.mp4.sig with one span", got.MP4, got.Sig)
	}
	if got.SigFile != got.MP4File+".sig" || !strings.Contains(got.VerifyHint, "nvrd verify "+got.MP4File+" "+got.SigFile) {
		t.Errorf("files %q and %q, hint %q: want clip.mp4 and clip.mp4.sig and the nvrd verify line", got.MP4File, got.SigFile, got.VerifyHint)
	}
	fetch := func(path string) []byte {
		resp := n.get("/" + path)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: HTTP %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	clip, sig := fetch(got.MP4), fetch(got.Sig)
	if _, err := manifest.Verify(bytes.NewReader(clip), sig, nil); err != nil {
		t.Fatalf("the offered signature does not verify the offered clip (%d bytes): %v", len(clip), err)
	}
}
