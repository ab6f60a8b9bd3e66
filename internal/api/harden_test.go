package api

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// TestSecurityHeadersEverywhere: the page, an API answer and an error all carry the browser-security
// headers; API JSON is never cached.
func TestSecurityHeadersEverywhere(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		path, token string
		code        int
		api         bool
	}{
		{"/", "", 200, false},
		{"/api/cameras", e.admin, 200, true},
		{"/api/cameras", "", 401, true},
		{"/api/nope", e.admin, 404, true},
		{"/api/health", "", 200, true},
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != c.code {
			t.Fatalf("GET %s: %d, want %d", c.path, resp.StatusCode, c.code)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: Content-Security-Policy %q", c.path, csp)
		}
		if h.Get("Referrer-Policy") != "same-origin" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: headers %v", c.path, h)
		}
		if c.api && h.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", c.path, h.Get("Cache-Control"))
		}
	}
}

// TestWrongHostRefused: a Host that is not one of nvrd's names (DNS rebinding) gets 421 with the JSON
// error; loopback names, the listen address and --allow-host names are answered.
func TestWrongHostRefused(t *testing.T) {
	e := newEnv(t)
	get := func(host string) (int, string) {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/cameras", nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+e.admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("rebind.attacker.example:8080")
	var out struct{ Error string }
	if code != http.StatusMisdirectedRequest || json.Unmarshal([]byte(body), &out) != nil || !strings.Contains(out.Error, "--allow-host") {
		t.Fatalf("foreign Host: %d %s, want 421 with a JSON error naming --allow-host", code, body)
	}
	for _, h := range []string{"localhost:1234", "127.0.0.1:80", "[::1]:8080", "cam.localhost"} {
		if code, body := get(h); code != 200 {
			t.Errorf("Host %s: %d %s, want 200", h, code, body)
		}
	}

	p := newHostPolicy("192.168.1.5:8080", []string{"nvr.home.arpa", "Box.Lan:8080"})
	for h, want := range map[string]bool{"192.168.1.5:8080": true, "nvr.home.arpa": true, "box.lan:9": true,
		"192.168.1.6:8080": false, "evil.example": false, "": false, "nvr.home.arpa.evil.example": false} {
		if got := p.allowed(h); got != want {
			t.Errorf("listening on 192.168.1.5: Host %q allowed=%v, want %v", h, got, want)
		}
	}
	if any := newHostPolicy(":8080", nil); !any.allowed("10.1.2.3:8080") || any.allowed("evil.example") {
		t.Error("listening on all addresses: any IP literal is this machine, names are not")
	}
}

// TestLoginNeedsSameOriginJSON: login and setup refuse a foreign Origin, a cross-site fetch and a
// non-JSON body (the login-CSRF shape), each with its sentence.
func TestLoginNeedsSameOriginJSON(t *testing.T) {
	e := newEnv(t)
	body := `{"user":"admin","password":"` + testPassword + `"}`
	for _, path := range []string{"/api/login", "/api/setup"} {
		code, out := e.do(t, "POST", path, "", body, http.Header{"Origin": {"http://evil.example"}})
		if code != 403 || !strings.Contains(out, "another site") {
			t.Errorf("%s from a foreign Origin: %d %s", path, code, out)
		}
		code, out = e.do(t, "POST", path, "", body, http.Header{"Sec-Fetch-Site": {"cross-site"}})
		if code != 403 {
			t.Errorf("%s cross-site: %d %s", path, code, out)
		}
		code, out = e.do(t, "POST", path, "", body, http.Header{"Content-Type": {"text/plain"}, "Origin": {e.srv.URL}})
		if code != 415 || !strings.Contains(out, "application/json") {
			t.Errorf("%s as text/plain: %d %s", path, code, out)
		}
	}
	if code, out := e.do(t, "POST", "/api/login", "", body, http.Header{"Origin": {e.srv.URL}}); code != 200 {
		t.Fatalf("login from the server's own page: %d %s", code, out)
	}
}

// TestSmallerProbeFindings: point 8 of issue 20.
func TestSmallerProbeFindings(t *testing.T) {
	e := newEnv(t)

	// Unix seconds past 2262 do not overflow into "until must be after since".
	code, out := e.do(t, "GET", "/api/recordings?since=0.000001&until=99999999999", e.admin, "", nil)
	if code != 400 || !strings.Contains(out, "2262") {
		t.Errorf("until=99999999999: %d %s, want 400 saying the year is too late", code, out)
	}
	if code, out := e.do(t, "GET", "/api/recordings?since=9000000000", e.admin, "", nil); code != 200 {
		t.Errorf("since=9e9 (year 2255): %d %s", code, out)
	}

	// The Bearer scheme is case-insensitive.
	for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
		code, out := e.do(t, "GET", "/api/me", "", "", http.Header{"Authorization": {scheme + " " + e.admin}})
		if code != 200 {
			t.Errorf("Authorization: %s ...: %d %s", scheme, code, out)
		}
	}

	// Viewers do not see nvrd's process fields in a camera's status; administrators do.
	var viewer, admin map[string]any
	_, out = e.do(t, "GET", "/api/cameras/yard/status", e.with, "", nil)
	_ = json.Unmarshal([]byte(out), &viewer)
	_, out2 := e.do(t, "GET", "/api/cameras/yard/status", e.admin, "", nil)
	_ = json.Unmarshal([]byte(out2), &admin)
	if _, ok := viewer["worker_pid"]; ok || viewer["state"] == nil {
		t.Errorf("viewer's status: %s", out)
	}
	if _, ok := viewer["generation"]; ok {
		t.Errorf("viewer's status shows generation: %s", out)
	}
	if _, ok := admin["worker_pid"]; !ok {
		t.Errorf("admin's status lacks worker_pid: %s", out2)
	}

	// A failed login logs neither the typed user field nor the password.
	typed := "Correct-Horse-typed-into-user"
	e.do(t, "POST", "/api/login", "", `{"user":"`+typed+`","password":"whatever-else"}`, nil)
	if logs := e.logs.String(); strings.Contains(logs, typed) || !strings.Contains(logs, "user_len=29") {
		t.Errorf("failed login log:\n%s", logs)
	}

	// A Range past the end of a segment answers the JSON error.
	var dbFile string
	var seq int
	var name string
	if err := e.st.DB().QueryRowContext(context.Background(), `PRAGMA database_list`).Scan(&seq, &name, &dbFile); err != nil {
		t.Fatal(err)
	}
	rec, err := e.st.GetRecording(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(filepath.Dir(dbFile), "recordings", rec.Dir, store.SegmentFile(0))
	if err := os.MkdirAll(filepath.Dir(seg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seg, make([]byte, 188), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out = e.do(t, "GET", "/api/recordings/1/segments/"+store.SegmentFile(0), e.admin, "", http.Header{"Range": {"bytes=5000-6000"}})
	var je struct{ Error string }
	if code != http.StatusRequestedRangeNotSatisfiable || json.Unmarshal([]byte(out), &je) != nil || !strings.Contains(je.Error, "Range") {
		t.Errorf("Range past the end: %d %q, want 416 with the JSON error", code, out)
	}
	if code, out := e.do(t, "GET", "/api/recordings/1/segments/"+store.SegmentFile(0), e.admin, "", http.Header{"Range": {"bytes=0-9"}}); code != 206 || len(out) != 10 {
		t.Errorf("Range within: %d, %d bytes", code, len(out))
	}
}

// TestStreamingRoutesOutliveWriteTimeout: an ordinary answer is cut by the write timeout; a streaming
// one that keeps making progress is not, and one whose reader stalls still is.
func TestStreamingRoutesOutliveWriteTimeout(t *testing.T) {
	s := New(Options{Store: newEnv(t).st})
	slow := func(stream bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if stream {
				w = s.streaming(w)
			}
			for i := 0; i < 12; i++ {
				if _, err := w.Write([]byte(strings.Repeat("x", 100) + "\n")); err != nil {
					return
				}
				http.NewResponseController(w).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/plain", slow(false))
	mux.HandleFunc("/stream", slow(true))
	srv := NewHTTPServer(mux, HTTPOptions{WriteTimeout: 400 * time.Millisecond, ReadTimeout: 400 * time.Millisecond})
	s.writeTimeout = 400 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	fetch := func(path string) int {
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return len(b)
	}
	if n := fetch("/stream"); n != 12*101 {
		t.Errorf("streaming answer of 1.2 s under a 0.4 s write timeout: %d of %d bytes", n, 12*101)
	}
	if n := fetch("/plain"); n >= 12*101 {
		t.Errorf("an ordinary answer outlived the write timeout (%d bytes): the timeout is not set", n)
	}
}
