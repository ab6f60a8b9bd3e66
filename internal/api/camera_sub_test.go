package api

import (
	"strings"
	"testing"
)

// TestSubURLIsAdminOnly: an administrator sets and sees a camera's sub_url (checked like url); a viewer
// who may watch the camera never gets it (it may hold a password).
func TestSubURLIsAdminOnly(t *testing.T) {
	e := newEnv(t)
	code, body := e.do(t, "PATCH", "/api/cameras/yard", e.admin, `{"sub_url":"http://10.0.0.5/sub"}`, nil)
	if code != 400 || !strings.Contains(body, "substream URL must start with rtsp://") {
		t.Fatalf("bad sub_url: %d %s", code, body)
	}
	code, body = e.do(t, "PATCH", "/api/cameras/yard", e.admin, `{"sub_url":"rtsp://op:sub-secret@10.0.0.5/s2"}`, nil)
	if code != 200 || !strings.Contains(body, "rtsp://op:sub-secret@10.0.0.5/s2") {
		t.Fatalf("admin sets sub_url: %d %s", code, body)
	}
	for _, path := range []string{"/api/cameras/yard", "/api/cameras"} {
		code, body = e.do(t, "GET", path, e.with, "", nil)
		if code != 200 || strings.Contains(body, "sub-secret") || strings.Contains(body, "sub_url") {
			t.Fatalf("viewer GET %s: %d %s", path, code, body)
		}
		// The viewer learns that there is a substream (a tile that cannot play H.265 offers it), not where.
		if !strings.Contains(strings.ReplaceAll(body, " ", ""), `"has_sub":true`) {
			t.Fatalf("viewer GET %s does not say the camera has a substream: %s", path, body)
		}
	}
}
