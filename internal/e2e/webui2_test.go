package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// webui2Dir is where these tests leave their screenshots: webappDir's webui2 folder.
func webui2Dir(t *testing.T) string {
	t.Helper()
	d := filepath.Join(webappDir(t), "webui2")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// addViewer makes a viewer with live access to the cameras given.
func addViewer(t *testing.T, n *nvr, name, password string, live ...string) {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	perms := map[string]store.Perm{}
	for _, id := range live {
		perms[id] = store.Perm{Live: true}
	}
	if err := n.st.CreateUser(context.Background(), &store.User{Name: name, Role: store.RoleViewer, PasswordHash: hash, Cameras: perms}); err != nil {
		t.Fatal(err)
	}
}

// TestWebappGroupsPermissionsAndEventLabel: on the Users page the administrator makes the groups
// Outside and Inside by their labels, renames Inside and deletes it, gives a viewer PTZ, Record now and
// Recordings permissions and resets their password; on the grid the group selector shows Outside's
// cameras only, keeps the choice in the address across a reload, and key 2 opens the group's second
// tile; a recording started now shows on its tile as "recording now", pushed and after a reload.
func TestWebappGroupsPermissionsAndEventLabel(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	var ids []string
	var cams [][2]string
	off := false
	for i := 0; i < 3; i++ {
		cam := startCamera(t, testcam.Options{})
		name := fmt.Sprintf("Cam %d", i+1)
		id := n.addCamera(name, cam.URL())
		// No motion events: the only event is the one this test starts.
		if code := n.do("PATCH", "/api/cameras/"+id, map[string]any{"motion": map[string]any{"enabled": off}}, nil); code != 200 {
			t.Fatalf("motion off: HTTP %d", code)
		}
		ids = append(ids, id)
		cams = append(cams, [2]string{id, name})
	}
	addViewer(t, n, "neighbour", "neighbour password", ids[0])
	for _, id := range ids {
		n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	}
	cj, _ := json.Marshal(cams)
	_, in, sc := startScript(t, "webui2-check.mjs", "groups", n.srv.URL, webui2Dir(t), "NVR_USER=root",
		"NVR_PASSWORD=correct horse battery", "NVR_CAMERAS="+string(cj), "NVR_VIEWER=neighbour",
		"NVR_VIEWER_PASSWORD=a password reset by root")
	if !sc.Scan() || !strings.Contains(sc.Text(), `"grid"`) {
		t.Fatalf("the groups part did not finish: %s", sc.Text())
	}
	t.Logf("browser: %s", sc.Text())
	var grid struct {
		Grid struct {
			Picked, Reloaded, All []string
			Selected, Opened      string
		}
	}
	if err := json.Unmarshal(sc.Bytes(), &grid); err != nil {
		t.Fatal(err)
	}
	g := grid.Grid
	if want := []string{ids[0], ids[2]}; !slices.Equal(g.Picked, want) || !slices.Equal(g.Reloaded, want) {
		t.Errorf("group Outside shows %v, after a reload %v; want %v", g.Picked, g.Reloaded, want)
	}
	if g.Selected != "Outside (2)" || g.Opened != ids[2] {
		t.Errorf("after the reload the selector says %q and key 2 opened %q; want Outside (2) and %s", g.Selected, g.Opened, ids[2])
	}
	if !slices.Equal(g.All, ids) {
		t.Errorf("All cameras shows %v, want %v", g.All, ids)
	}
	groups, err := n.st.Groups(context.Background())
	if err != nil || len(groups) != 1 || groups[0].Name != "Outside" || !slices.Equal(groups[0].Cameras, []string{ids[0], ids[2]}) {
		t.Errorf("the store holds the groups %+v (%v); want only Outside with %s and %s", groups, err, ids[0], ids[2])
	}
	u, err := n.st.UserByName(context.Background(), "neighbour")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]store.Perm{ids[0]: {Live: true, PTZ: true, Record: true}, ids[1]: {Recordings: true}}
	for _, id := range ids {
		if u.Cameras[id] != want[id] {
			t.Errorf("neighbour's permission on %s is %+v, want %+v", id, u.Cameras[id], want[id])
		}
	}
	if _, _, _, err := n.app.Auth.Login(context.Background(), "127.0.0.7", "neighbour", "a password reset by root"); err != nil {
		t.Errorf("the reset password does not log in: %v", err)
	}
	// An event now: a recording started on camera 2 (motion is off, so it is the only event).
	if code := n.do("POST", "/api/cameras/"+ids[1]+"/record", map[string]any{"seconds": 60}, nil); code != 202 {
		t.Fatalf("record now: HTTP %d", code)
	}
	fmt.Fprintf(in, "event %s\n", ids[1])
	r := webappDone(t, sc)
	var res struct {
		Pushed, Fetched string
		Labels          int
	}
	if err := json.Unmarshal(r.Result, &res); err != nil {
		t.Fatalf("result %s: %v", r.Result, err)
	}
	if res.Labels != 1 {
		t.Errorf("%d tiles show an event label, want only the recording camera's", res.Labels)
	}
	t.Logf("the tile said %q when pushed and %q after a reload", res.Pushed, res.Fetched)
}

// TestWebappAccountPage: a viewer, logged in in two browsers, opens their account from the nav link
// with their name, sees both sessions and ends the other one (logged out there); a wrong current
// password is refused beside its field; the right one changes the password and logs the other browser
// out, which then logs in with the new one; an own API token is created (shown once) and revoked.
func TestWebappAccountPage(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{})
	id := n.addCamera("Porch", cam.URL())
	addViewer(t, n, "neighbour", "neighbour password", id)
	_, _, sc := startScript(t, "webui2-check.mjs", "account", n.srv.URL, webui2Dir(t), "NVR_USER=neighbour",
		"NVR_PASSWORD=neighbour password", "NVR_NEW_PASSWORD=a brand new password")
	r := webappDone(t, sc)
	steps := joinRaw(r.Steps)
	if !strings.Contains(steps, "this browser") {
		t.Errorf("the sessions list does not mark this browser: %s", steps)
	}
	if !strings.Contains(steps, "current password is wrong") {
		t.Errorf("a wrong current password was not refused in words beside the field: %s", steps)
	}
	var res struct {
		SecretShown bool `json:"secretShown"`
	}
	_ = json.Unmarshal(r.Result, &res)
	if !res.SecretShown {
		t.Errorf("the new token's secret was not shown: %s", r.Result)
	}
	ctx := context.Background()
	if _, _, _, err := n.app.Auth.Login(ctx, "127.0.0.7", "neighbour", "a brand new password"); err != nil {
		t.Errorf("the changed password does not log in: %v", err)
	}
	u, _ := n.st.UserByName(ctx, "neighbour")
	if toks, err := n.st.Tokens(ctx, u.ID); err != nil || len(toks) != 0 {
		t.Errorf("neighbour's tokens after revoking: %+v (%v)", toks, err)
	}
	// The two browsers' current sessions plus the Login above.
	if ss, err := n.st.UserSessions(ctx, u.ID); err != nil || len(ss) != 3 {
		t.Errorf("neighbour has %d sessions (%v), want the two browsers' and the test's login", len(ss), err)
	}
}

// TestWebappWebui2Screenshots saves the pages of groups, permissions, account and settings hints at
// 1280×800 and 390×844, light and dark, under .cache/webapp/webui2 for a person to look at; it fails on
// page errors, CSP violations and a page wider than the phone.
func TestWebappWebui2Screenshots(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{})
	id := n.addCamera("Porch", cam.URL())
	other := n.addCamera("Shed", "rtsp://127.0.0.1:9/nothing-listens-here")
	n.do("PATCH", "/api/cameras/"+id, map[string]any{"record": map[string]any{"mode": "events", "max_age_days": 45}}, nil)
	n.do("PUT", "/api/groups", []store.Group{{Name: "Outside", Cameras: []string{id}}, {Name: "Sheds", Cameras: []string{other}}}, nil)
	addViewer(t, n, "neighbour", "neighbour password", id)
	n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	n.do("POST", "/api/cameras/"+id+"/record", map[string]any{"seconds": 5}, nil)
	_, _, sc := startScript(t, "webui2-check.mjs", "shots", n.srv.URL, webui2Dir(t), "NVR_USER=root",
		"NVR_PASSWORD=correct horse battery", "NVR_CAMERA_ID="+id)
	r := webappDone(t, sc)
	var res struct {
		Shots []string `json:"shots"`
	}
	_ = json.Unmarshal(r.Result, &res)
	if len(res.Shots) != 24 {
		t.Fatalf("%d screenshots, want 24", len(res.Shots))
	}
	t.Logf("screenshots in %s", webui2Dir(t))

	// The settings page's hints: retention was set to 45 days, the rest follow their defaults.
	_, _, sc = startScript(t, "webui2-check.mjs", "hints", n.srv.URL, webui2Dir(t), "NVR_USER=root",
		"NVR_PASSWORD=correct horse battery", "NVR_CAMERA_ID="+id)
	r = webappDone(t, sc)
	var h struct {
		Before                     struct{ Keep, Threshold, Idle string }
		Value, After, Saved, Moved string
	}
	if err := json.Unmarshal(r.Result, &h); err != nil {
		t.Fatalf("hints %s: %v", r.Result, err)
	}
	if !strings.Contains(h.Before.Keep, "The default is 30 days.") || !strings.Contains(h.Before.Threshold, "This is the default (2)") ||
		!strings.Contains(h.Before.Idle, "This is the default (15 s)") {
		t.Errorf("the hints before: %+v", h.Before)
	}
	if h.Value != "30" || !strings.Contains(h.After, "This is the default (30 days)") || !strings.Contains(h.Saved, "This is the default (30 days)") {
		t.Errorf("after Use the default the field holds %q and says %q, after Save %q", h.Value, h.After, h.Saved)
	}
	if !strings.Contains(h.Moved, "The default is 2.") {
		t.Errorf("a threshold moved off the default says %q", h.Moved)
	}
	c, err := n.st.Camera(context.Background(), id)
	if err != nil || c.Record.MaxAgeDays != 0 {
		t.Errorf("after Use the default and Save the stored retention is %d (%v), want 0: unset, following the default", c.Record.MaxAgeDays, err)
	}
}
