package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
)

// wallAllowed is what a wall token of camera yard gets beyond 401/403: the same as a live-only viewer
// on the wall routes, and the public routes. Everything else must be 401 or 403.
var wallAllowed = map[string]int{
	"GET /api/health":                    200,
	"POST /api/setup":                    403,
	"POST /api/login":                    200,
	"GET /api/cameras/{id}/status":       200,
	"GET /api/cameras/{id}/live":         503, // camera not running: past the check
	"GET /api/cameras/{id}/snapshot.jpg": 503,
	"GET /api/stream":                    200, // filtered to its cameras' live-view status: TestWallStream...
}

// newWallToken makes a wall token of the env's admin for the cameras, through the API.
func newWallToken(t *testing.T, e *testEnv, cameras ...string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": "shop wall", "kind": "wall", "cameras": cameras})
	code, out := e.do(t, "POST", "/api/tokens", e.admin, string(body), nil)
	if code != http.StatusCreated {
		t.Fatalf("POST /api/tokens wall: HTTP %d %s", code, out)
	}
	var tok struct{ ID, Token, Kind string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.Token == "" || tok.Kind != "wall" {
		t.Fatalf("wall token answer %s (%v)", out, err)
	}
	return tok.Token
}

// TestWallTokenOnlyShowsItsCameras walks every route with a wall token of yard: only yard's live socket,
// snapshot and status pass the check; every other route and camera house get 401 or 403.
func TestWallTokenOnlyShowsItsCameras(t *testing.T) {
	probe := newEnv(t)
	routes := New(Options{Store: probe.st, Auth: probe.auth}).Routes()
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		t.Run(key, func(t *testing.T) {
			e := newEnv(t)
			tok := newWallToken(t, e, "yard")
			var code int
			var out string
			if rt.Pattern == "/api/stream" {
				code = e.status(t, rt.Method, permPath(rt.Pattern), tok)
			} else {
				code, out = e.do(t, rt.Method, permPath(rt.Pattern), tok, permBody(rt.Pattern), nil)
			}
			want, ok := wallAllowed[key]
			if ok && code != want {
				t.Errorf("wall token: HTTP %d, want %d (%s)", code, want, strings.TrimSpace(out))
			}
			if !ok && code != 401 && code != 403 {
				t.Errorf("wall token: HTTP %d, want 401 or 403 (%s)", code, strings.TrimSpace(out))
			}
			if strings.Contains(rt.Pattern, "{id}") {
				other := strings.Replace(permPath(rt.Pattern), "/yard", "/house", 1)
				if code := e.status(t, rt.Method, other, tok); code != 403 && code != 401 {
					t.Errorf("wall token on camera house: HTTP %d, want 403", code)
				}
			}
		})
	}
}

// TestWallTokenInURL: a token in ?token= is accepted on the wall routes only, only when it is a wall
// token, and never reaches the log.
func TestWallTokenInURL(t *testing.T) {
	e := newEnv(t)
	tok := newWallToken(t, e, "yard")
	for _, c := range []struct {
		path string
		want int
	}{
		{"/api/cameras/yard/status?token=" + tok, 200},
		{"/api/cameras/yard/live?token=" + tok, 503},
		{"/api/stream?token=nvr_wrong", 401},
		{"/api/stream?token=" + e.admin, 401}, // an API token never opens the stream from a URL
		{"/api/cameras/house/status?token=" + tok, 403},
		{"/api/me?token=" + tok, 401},                      // not a wall route: the URL is not looked at
		{"/api/cameras?token=" + tok, 401},                 // nor here
		{"/api/cameras/yard/status?token=" + e.admin, 401}, // an API token never travels in a URL
		{"/api/cameras/yard/status?token=nvr_wrong", 401},
	} {
		if code, out := e.do(t, "GET", c.path, "", "", nil); code != c.want {
			t.Errorf("GET %s: HTTP %d, want %d (%s)", strings.Replace(c.path, tok, "<wall>", 1), code, c.want, out)
		}
	}
	if strings.Contains(e.logs.String(), tok) || strings.Contains(e.logs.String(), e.admin) {
		t.Errorf("a token reached the log:\n%s", e.logs.String())
	}
}

// TestWallTokenListedAndRevoked: the list shows the kind and cameras; a revoked wall token opens nothing.
func TestWallTokenListedAndRevoked(t *testing.T) {
	e := newEnv(t)
	tok := newWallToken(t, e, "yard", "house")
	code, out := e.do(t, "GET", "/api/tokens", e.admin, "", nil)
	var list []struct {
		ID, Kind string
		Cameras  []string
	}
	if err := json.Unmarshal([]byte(out), &list); code != 200 || err != nil {
		t.Fatalf("GET /api/tokens: %d %s", code, out)
	}
	var id string
	for _, l := range list {
		if l.Kind == "wall" && strings.Join(l.Cameras, ",") == "yard,house" {
			id = l.ID
		}
	}
	if id == "" {
		t.Fatalf("the wall token with its cameras is not listed: %s", out)
	}
	for _, bad := range []string{`{"name":"w","kind":"wall","cameras":[]}`, `{"name":"w","kind":"wall","cameras":["nosuch"]}`, `{"name":"w","kind":"tv"}`} {
		if code, out := e.do(t, "POST", "/api/tokens", e.admin, bad, nil); code != 400 || !strings.Contains(out, "error") {
			t.Errorf("POST %s: HTTP %d %s, want 400 with a sentence", bad, code, out)
		}
	}
	if code, _ := e.do(t, "POST", "/api/tokens", e.with, `{"name":"w","kind":"wall","cameras":["yard"]}`, nil); code != 403 {
		t.Errorf("a viewer made a wall token: HTTP %d, want 403", code)
	}
	if code := e.status(t, "GET", "/api/cameras/yard/status", tok); code != 200 {
		t.Fatalf("wall token before revoking: HTTP %d", code)
	}
	if code, out := e.do(t, "DELETE", "/api/tokens/"+id, e.admin, "", nil); code != 204 {
		t.Fatalf("revoke: HTTP %d %s", code, out)
	}
	if code := e.status(t, "GET", "/api/cameras/yard/status", tok); code != 401 {
		t.Errorf("revoked wall token: HTTP %d, want 401", code)
	}
}

// TestWallPrincipalIsNarrowed: the principal of a wall token is no admin, even when an admin made it.
func TestWallPrincipalIsNarrowed(t *testing.T) {
	e := newEnv(t)
	u, err := e.st.UserByName(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := e.auth.NewWallTokenFor(context.Background(), u.ID, "w", []string{"yard"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	p, err := e.auth.Authenticate(r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Admin() || !p.Wall() || !p.Can("yard", auth.NeedLive) || p.Can("yard", auth.NeedRecordings) || p.Can("house", auth.NeedLive) {
		t.Errorf("wall principal: admin=%v wall=%v cameras=%v", p.Admin(), p.Wall(), p.User.Cameras)
	}

}

// wallStatusFields are all a wall token may learn of a camera's status.
var wallStatusFields = map[string]bool{"state": true, "codec": true, "audio": true, "width": true, "height": true, "substream": true}

// TestWallStreamCarriesOnlyItsCameras opens the push stream the way the wall page does (?token=, no
// header) while both cameras have motion and events: it carries yard's live-view status and nothing
// else: no house, no motion, no events, no recording or analysis figures.
func TestWallStreamCarriesOnlyItsCameras(t *testing.T) {
	e, eng := streamEnv(t)
	tok := newWallToken(t, e, "yard")
	ch, stop := openStreamAt(t, e, "/api/stream?token="+tok, "")
	admin, _ := openStream(t, e, e.admin)
	ctx := context.Background()
	for _, cam := range []string{"house", "yard"} {
		if _, err := eng.Manual(ctx, cam, 5); err != nil {
			t.Fatal(err)
		}
	}
	// The admin's stream carries the events and motion that the wall's must not.
	waitFor(t, admin, "yard's event on the admin's stream", func(m sseMsg) bool { return m.name == "event" && mentions("yard")(m) }, nil)
	waitFor(t, admin, "yard's motion on the admin's stream", func(m sseMsg) bool { return m.name == "motion" && mentions("yard")(m) }, nil)

	statuses := 0
	deadline := time.After(3 * time.Second)
collect:
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatal("the wall's stream ended")
			}
			if m.name == "" {
				continue // the opening comment and heartbeats
			}
			if m.name != "camera" || !mentions("yard")(m) {
				t.Fatalf("the wall token's stream carried %s %s", m.name, m.data)
			}
			var c struct{ Status map[string]json.RawMessage }
			if err := json.Unmarshal([]byte(m.data), &c); err != nil || c.Status == nil {
				t.Fatalf("camera message %s: %v", m.data, err)
			}
			for k := range c.Status {
				if !wallStatusFields[k] {
					t.Errorf("the wall token's stream carried status field %q: %s", k, m.data)
				}
			}
			if string(c.Status["state"]) != `"starting"` {
				t.Errorf("yard's state on the wall: %s", m.data)
			}
			statuses++
		case <-deadline:
			break collect
		}
	}
	stop()
	if statuses == 0 {
		t.Fatal("the wall token's stream never sent yard's status")
	}
	if strings.Contains(e.logs.String(), tok) {
		t.Errorf("the wall token reached the log:\n%s", e.logs.String())
	}
}
