package api

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gorilla/websocket"
)

func testUI() fs.FS {
	return fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>nvr</title>")}}
}

var wildcard = regexp.MustCompile(`\{([a-z_]+)\.*\}`)

// fill replaces a route pattern's wildcards: {id} by the camera id given, anything else by a value
// that exists where one is needed (filled in by later issues' routes).
func fill(pattern, camera string) string {
	return wildcard.ReplaceAllStringFunc(pattern, func(w string) string {
		switch w {
		case "{id}":
			return camera
		case "{rec}", "{ev}": // the test env's recording or event of that camera
			if camera == "yard" {
				return "1"
			}
			return "2"
		case "{file}":
			return "000000.ts"
		}
		return "1"
	})
}

// TestEveryRouteChecksPermissions walks the router's own table, so a route added later cannot skip the
// check: nobody → 401, a viewer without the camera → 403, a viewer with it → allowed where the route is
// per camera, an admin → allowed everywhere. "Allowed" means the request got past the permission
// check: no 401/403 and no 5xx
// but 503 (camera not running).
func TestEveryRouteChecksPermissions(t *testing.T) {
	probe := newEnv(t)
	routes := New(Options{Store: probe.st, Auth: probe.auth}).Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes in the table", len(routes))
	}
	// 503 is a camera that is not running yet: past the check, the state of the camera.
	allowed := func(code int) bool { return code != 401 && code != 403 && (code < 500 || code == 503) }
	for _, rt := range routes {
		t.Run(rt.Method+" "+rt.Pattern, func(t *testing.T) {
			e := newEnv(t) // fresh: an admin's DELETE must not change what the next route sees
			// The camera the neighbour may see, for per-camera routes.
			path := fill(rt.Pattern, "yard")
			body := "{}"
			if strings.HasSuffix(rt.Pattern, "/record") {
				body = `{"seconds":5}`
			}
			switch rt.Pattern {
			case "/api/login":
				body = `{"user":"admin","password":"` + testPassword + `"}`
			case "/api/setup": // setup is done: refused with 403, which is the route's own answer
				body = `{"token":"x","user":"eve","password":"long password"}`
			}
			type who struct {
				name, token string
				want        func(int) bool
				wantText    string
			}
			is := func(c int) func(int) bool { return func(got int) bool { return got == c } }
			var cases []who
			switch rt.Access {
			case Public:
				cases = []who{{"nobody", "", func(c int) bool { return c != 401 && c < 500 }, "not 401/5xx"}}
				if rt.Pattern == "/api/setup" {
					cases[0].want = is(403)
				}
			case Admin:
				cases = []who{{"nobody", "", is(401), "401"}, {"viewer without camera", e.without, is(403), "403"},
					{"viewer with camera", e.with, is(403), "403"}, {"admin", e.admin, allowed, "allowed"}}
			case AnyUser:
				cases = []who{{"nobody", "", is(401), "401"}, {"viewer without camera", e.without, allowed, "allowed"},
					{"viewer with camera", e.with, allowed, "allowed"}, {"admin", e.admin, allowed, "allowed"}}
			case UserSelf: // someone else's account: admins only; one's own: see TestUsersChangeTheirOwnPassword
				cases = []who{{"nobody", "", is(401), "401"}, {"viewer without camera", e.without, is(403), "403"},
					{"viewer with camera", e.with, is(403), "403"}, {"admin", e.admin, allowed, "allowed"}}
				if code, _ := e.do(t, rt.Method, strings.ReplaceAll(rt.Pattern, "{name}", "neighbour"), e.with, body, nil); !allowed(code) {
					t.Errorf("viewer on their own account: HTTP %d, want allowed", code)
				}
			case CameraLive, CameraRecorded, RecordingOf, EventOf:
				cases = []who{{"nobody", "", is(401), "401"}, {"viewer without camera", e.without, is(403), "403"},
					{"viewer with camera", e.with, allowed, "allowed"}, {"admin", e.admin, allowed, "allowed"}}
				// The neighbour may not reach the other camera through the same route either.
				if code, _ := e.do(t, rt.Method, fill(rt.Pattern, "house"), e.with, body, nil); code != 403 {
					t.Errorf("viewer with only yard on house: HTTP %d, want 403", code)
				}
			default:
				t.Fatalf("route has unknown access level %d", rt.Access)
			}
			for _, c := range cases {
				if streamRoutes[rt.Method+" "+rt.Pattern] && rt.Pattern == "/api/stream" {
					code := e.status(t, rt.Method, path, c.token)
					if !c.want(code) {
						t.Errorf("%s: HTTP %d, want %s", c.name, code, c.wantText)
					}
					continue
				}
				code, out := e.do(t, rt.Method, path, c.token, body, nil)
				if !c.want(code) {
					t.Errorf("%s: HTTP %d, want %s (%s)", c.name, code, c.wantText, strings.TrimSpace(out))
				}
			}
		})
	}
}

func TestViewerSeesOnlyTheirCamerasWithoutURLs(t *testing.T) {
	e := newEnv(t)
	code, body := e.do(t, "GET", "/api/cameras", e.with, "", nil)
	if code != 200 {
		t.Fatalf("list: %d %s", code, body)
	}
	var cams []map[string]any
	if err := json.Unmarshal([]byte(body), &cams); err != nil {
		t.Fatal(err)
	}
	if len(cams) != 1 || cams[0]["id"] != "yard" {
		t.Fatalf("the neighbour sees %v, want only yard", cams)
	}
	if strings.Contains(body, "secret") || strings.Contains(body, "rtsp://") {
		t.Fatalf("a viewer is sent the camera URL: %s", body)
	}
	_, body = e.do(t, "GET", "/api/cameras", e.without, "", nil)
	if strings.TrimSpace(body) != "[]" {
		t.Fatalf("a viewer without cameras sees %s", body)
	}
	// The admin sees both, with URLs (they set them), but the log never shows a password.
	_, body = e.do(t, "GET", "/api/cameras", e.admin, "", nil)
	if !strings.Contains(body, "house") || !strings.Contains(body, "yard") {
		t.Fatalf("admin list: %s", body)
	}
	_, me := e.do(t, "GET", "/api/me", e.with, "", nil)
	if strings.Contains(me, "$2") || strings.Contains(strings.ToLower(me), "password") {
		t.Fatalf("/api/me shows password material: %s", me)
	}
}

func TestIDGuessingAndTraversal(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{
		"/api/cameras/..%2f..%2fetc%2fpasswd/snapshot.jpg",
		"/api/cameras/house%2f..%2fyard/status",
		"/api/cameras/../../etc/passwd",
		"/api/cameras/%2e%2e/status",
		"/api/cameras/HOUSE/status",
		"/api/cameras/house /status",
		"/api/recordings/1/segments/..%2f..%2f..%2fnvr.db",
		"/api/recordings/1/segments/%2e%2e%2f%2e%2e%2fnvr.db",
		"/api/recordings/1/../2/index.m3u8",
		"/api/recordings/2/index.m3u8",
		"/api/recordings/2/segments/000000.ts",
		"/api/recordings/0x2/index.m3u8",
		"/api/recordings/-1/index.m3u8",
		"/api/recordings?camera=house",
		"/api/events?camera=house",
		"/api/events/2/snapshot.jpg",
	} {
		code, body := e.do(t, "GET", p, e.with, "", nil)
		if code == 200 || strings.Contains(body, "root:") || strings.Contains(body, "SQLite") {
			t.Errorf("%s as the neighbour: HTTP %d %s", p, code, body)
		}
	}
	// The neighbour's recordings list holds only yard's recording.
	_, body := e.do(t, "GET", "/api/recordings", e.with, "", nil)
	if !strings.Contains(body, `"camera": "yard"`) || strings.Contains(body, "house") {
		t.Errorf("the neighbour's recordings list: %s", body)
	}
	_, body = e.do(t, "GET", "/api/events", e.with, "", nil)
	if !strings.Contains(body, `"camera":"yard"`) && !strings.Contains(body, `"camera": "yard"`) || strings.Contains(body, "house") {
		t.Errorf("the neighbour's events list: %s", body)
	}
	// An id that does not exist is 403 for a viewer (no way to tell it from one they may not see) and
	// 404 for an admin.
	if code, _ := e.do(t, "GET", "/api/cameras/attic/status", e.with, "", nil); code != 403 {
		t.Errorf("unknown camera as a viewer: %d, want 403", code)
	}
	if code, _ := e.do(t, "GET", "/api/cameras/attic/status", e.admin, "", nil); code != 404 {
		t.Errorf("unknown camera as admin: %d, want 404", code)
	}
}

// login logs in through the API with a cookie jar, as the page does, and returns the client and CSRF token.
func login(t *testing.T, e *testEnv, user string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post(e.srv.URL+"/api/login", "application/json", strings.NewReader(`{"user":"`+user+`","password":"`+testPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ CSRF string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 || out.CSRF == "" {
		t.Fatalf("login: HTTP %d", resp.StatusCode)
	}
	ck := resp.Cookies()
	if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie is not HttpOnly+SameSite: %+v", ck)
	}
	return c, out.CSRF
}

func TestCSRFAndLogout(t *testing.T) {
	e := newEnv(t)
	c, csrf := login(t, e, "admin")
	post := func(hdr string) int {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/cameras", strings.NewReader(`{"name":"Gate","url":"rtsp://10.0.0.7/s"}`))
		if hdr != "" {
			req.Header.Set("X-CSRF-Token", hdr)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != 403 {
		t.Fatalf("cookie write without CSRF token: %d, want 403", code)
	}
	if code := post("forged"); code != 403 {
		t.Fatalf("cookie write with a wrong CSRF token: %d, want 403", code)
	}
	if code := post(csrf); code != 201 {
		t.Fatalf("cookie write with the CSRF token: %d, want 201", code)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/logout", nil)
	req.Header.Set("X-CSRF-Token", csrf)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("logout: %v %v", err, resp)
	}
	resp, _ := c.Get(e.srv.URL + "/api/cameras")
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("after logout: %d, want 401", resp.StatusCode)
	}
}

func TestLiveWebSocketChecksSessionAndOrigin(t *testing.T) {
	e := newEnv(t)
	// Enable yard so the live route gets as far as the upgrade (the supervisor is not running, so no
	// video comes; the handshake result is what matters here).
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/cameras/yard/live"
	dial := func(h http.Header) int {
		ws, resp, err := websocket.DefaultDialer.Dial(u, h)
		if err == nil {
			ws.Close()
			return 101
		}
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return resp.StatusCode
	}
	if code := dial(nil); code != 401 {
		t.Fatalf("live without a session: %d, want 401", code)
	}
	c, _ := login(t, e, "neighbour")
	base, _ := url.Parse(e.srv.URL)
	cookie := c.Jar.Cookies(base)[0]
	hdr := func(origin string) http.Header {
		h := http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}
		if origin != "" {
			h.Set("Origin", origin)
		}
		return h
	}
	if code := dial(hdr("http://evil.example")); code != 403 {
		t.Fatalf("live from a foreign Origin: %d, want 403", code)
	}
	if code := dial(hdr(e.srv.URL)); code == 401 || code == 403 {
		t.Fatalf("live from the server's own page: %d", code)
	}
	// The neighbour's session does not open the house camera.
	uh := strings.Replace(u, "yard", "house", 1)
	if _, resp, err := websocket.DefaultDialer.Dial(uh, hdr(e.srv.URL)); err == nil || resp.StatusCode != 403 {
		t.Fatalf("neighbour on house live: %v", err)
	}
}

func TestLoginDoesNotLogPasswordsAndRateLimits(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 5; i++ {
		code, _ := e.do(t, "POST", "/api/login", "", `{"user":"admin","password":"hunter2-guess"}`, nil)
		if code != 401 {
			t.Fatalf("attempt %d: %d", i, code)
		}
	}
	code, body := e.do(t, "POST", "/api/login", "", `{"user":"admin","password":"`+testPassword+`"}`, nil)
	if code != 429 || !strings.Contains(body, "too many") {
		t.Fatalf("6th login: %d %s, want 429", code, body)
	}
	if strings.Contains(e.logs.String(), "hunter2") || strings.Contains(e.logs.String(), testPassword) {
		t.Fatalf("a password is in the log:\n%s", e.logs)
	}
	if !strings.Contains(e.logs.String(), "failed login") {
		t.Fatalf("failed logins are not logged:\n%s", e.logs)
	}
}

func TestSetupRoute(t *testing.T) {
	e := newEnv(t)
	// Users exist: setup is closed for good, and says so.
	code, body := e.do(t, "POST", "/api/setup", "", `{"token":"x","user":"eve","password":"long password"}`, nil)
	if code != 403 || !strings.Contains(body, "no longer valid") {
		t.Fatalf("setup with users present: %d %s", code, body)
	}
}
