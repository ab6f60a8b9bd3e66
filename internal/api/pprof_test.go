package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// checkProfile says whether body is a gzip-compressed pprof profile (what go tool pprof reads) whose
// string table names the sample type want.
func checkProfile(t *testing.T, body, want string) {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the profile is not gzip-compressed (%v): %.200q", err, body)
	}
	raw, err := io.ReadAll(zr)
	if err != nil || len(raw) == 0 {
		t.Fatalf("the profile does not decompress: %v (%d bytes)", err, len(raw))
	}
	if !bytes.Contains(raw, []byte(want)) {
		t.Fatalf("the decompressed profile does not name the sample type %q", want)
	}
}

// TestPprofAdminOnly: a viewer (even with live and recordings on a camera) gets 403 from every profile
// route, nobody gets 401, and an administrator gets a CPU profile and a heap profile.
func TestPprofAdminOnly(t *testing.T) {
	e := newEnv(t)
	toks := permTokens(t, e)
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/profile?seconds=1", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
		if code, body := e.do(t, "GET", path, toks[liveOnly], "", nil); code != 403 {
			t.Errorf("viewer GET %s: HTTP %d, want 403 (%s)", path, code, strings.TrimSpace(body))
		}
		if code, _ := e.do(t, "GET", path, "", "", nil); code != 401 {
			t.Errorf("nobody GET %s: HTTP %d, want 401", path, code)
		}
	}
	code, body := e.do(t, "GET", "/debug/pprof/profile?seconds=1", e.admin, "", nil)
	if code != 200 {
		t.Fatalf("admin CPU profile: HTTP %d %.300s", code, body)
	}
	checkProfile(t, body, "nanoseconds")
	code, body = e.do(t, "GET", "/debug/pprof/heap", e.admin, "", nil)
	if code != 200 {
		t.Fatalf("admin heap profile: HTTP %d %.300s", code, body)
	}
	checkProfile(t, body, "inuse_space")
}

// TestPprofOutlastsWriteTimeout: a CPU profile longer than the server's WriteTimeout still arrives
// (the handler moves its write deadline; nothing in front of it may cut that short).
func TestPprofOutlastsWriteTimeout(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = NewHTTPServer(e.srv.Config.Handler, HTTPOptions{WriteTimeout: time.Second})
	ts.Start()
	t.Cleanup(ts.Close)
	e2 := *e
	e2.srv = ts
	code, body := e2.do(t, "GET", "/debug/pprof/profile?seconds=2", e.admin, "", nil)
	if code != 200 {
		t.Fatalf("admin 2-second CPU profile with a 1-second WriteTimeout: HTTP %d %.300s", code, body)
	}
	checkProfile(t, body, "nanoseconds")
}
