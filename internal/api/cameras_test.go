package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// newTestServer is the API on a real SQLite store with an administrator whose token call sends; the
// supervisor is not running (no cameras start).
func newTestServer(t *testing.T) *httptest.Server {
	return newEnv(t).srv
}

func call(t *testing.T, srv *httptest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if tok, ok := adminTokens.Load(srv); ok {
		req.Header.Set("Authorization", "Bearer "+tok.(string))
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, out
}

func TestCameraCRUDAndErrors(t *testing.T) {
	srv := newTestServer(t)
	code, c := call(t, srv, "POST", "/api/cameras", `{"name":"Front Door","url":"rtsp://u:p@10.0.0.5/s1"}`)
	if code != 201 || c["id"] != "front-door" {
		t.Fatalf("create: %d %v", code, c)
	}
	rec := c["record"].(map[string]any)
	if rec["mode"] != "events" || rec["pre_roll_s"] != 10.0 || rec["post_roll_s"] != 10.0 || c["enabled"] != true {
		t.Fatalf("defaults not applied: %v", c)
	}
	code, c = call(t, srv, "PATCH", "/api/cameras/front-door", `{"record":{"mode":"continuous"}}`)
	if code != 200 || c["record"].(map[string]any)["mode"] != "continuous" || c["record"].(map[string]any)["pre_roll_s"] != 10.0 {
		t.Fatalf("patch merges: %d %v", code, c)
	}
	code, c = call(t, srv, "GET", "/api/cameras/front-door/status", "")
	if code != 200 || c["state"] == nil {
		t.Fatalf("status: %d %v", code, c)
	}
	code, _ = call(t, srv, "PATCH", "/api/cameras/front-door", `{"enabled":false}`)
	if code != 200 {
		t.Fatal("disable failed")
	}
	if _, c = call(t, srv, "GET", "/api/cameras/front-door/status", ""); c["state"] != "disabled" {
		t.Fatalf("disabled camera status: %v", c)
	}

	bad := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", "/api/cameras", `{"name":"X","url":"rtsp://h/s"`, 400, "not valid JSON"},
		{"POST", "/api/cameras", ``, 400, "empty"},
		{"POST", "/api/cameras", `{"name":"X","url":"rtsp://h/s","colour":1}`, 400, `request body has an unknown field "colour"`},
		{"POST", "/api/cameras", `[1,2]`, 400, "request body must be a JSON object, not a JSON array"},
		{"POST", "/api/cameras", `{"name":"X","url":42}`, 400, `url must be a string, not a number`},
		{"POST", "/api/cameras", `{"name":"X","url":"http://h/s"}`, 400, "must start with rtsp://"},
		{"POST", "/api/cameras", `{"name":"X","url":"rtsp:///s"}`, 400, "no host"},
		{"POST", "/api/cameras", `{"name":"","url":"rtsp://h/s"}`, 400, "name is empty"},
		{"POST", "/api/cameras", `{"name":"front door","url":"rtsp://h/s"}`, 409, `a camera named "front door" already exists`},
		{"POST", "/api/cameras", `{"name":"Y","url":"rtsp://h/s","record":{"mode":"sometimes"}}`, 400, "not one of events, continuous, off"},
		{"POST", "/api/cameras", `{"name":"Y","url":"rtsp://h/s","record":{"pre_roll_s":61}}`, 400, "between 0 and 60"},
		{"POST", "/api/cameras", `{"name":"Y","url":"rtsp://h/s"} {}`, 400, "more than one JSON value"},
		{"PATCH", "/api/cameras/front-door", `{"id":"other"}`, 400, "cannot be changed"},
		{"GET", "/api/cameras/nope", ``, 404, "not found"},
		{"DELETE", "/api/cameras/nope", ``, 404, "not found"},
		{"GET", "/api/cameras/front-door/snapshot.jpg", ``, 503, "no picture yet"},
		{"GET", "/api/nothing", ``, 404, "no such API route"},
	}
	for _, b := range bad {
		code, out := call(t, srv, b.method, b.path, b.body)
		msg, _ := out["error"].(string)
		if code != b.code || !strings.Contains(msg, b.want) {
			t.Errorf("%s %s %s: got %d %q, want %d with %q", b.method, b.path, b.body, code, msg, b.code, b.want)
		}
	}
	if code, _ := call(t, srv, "DELETE", "/api/cameras/front-door", ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := call(t, srv, "GET", "/api/health", ""); code != 200 {
		t.Fatal("health")
	}
}
