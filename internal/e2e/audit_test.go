package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestAuditLogRecordsAViewer: a viewer's failed login, login, live view, recording played (one entry
// however many segments and reloads) and export leave exactly those entries in GET /api/audit, and no
// entry holds a password, token, cookie or camera URL.
func TestAuditLogRecordsAViewer(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	cam := startCamera(t, testcam.Options{})
	n := startNVR(t)
	var c map[string]any
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Gate", "url": cam.URL(),
		"record": map[string]any{"mode": "continuous"},
		"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}, &c); code != 201 {
		t.Fatalf("create camera: %d %v", code, c)
	}
	id := c["id"].(string)
	n.waitStatus(id, 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	viewerTok := n.addViewer("wes", id)

	login := func(pw string) (*http.Response, string) {
		resp, err := http.Post(n.srv.URL+"/api/login", "application/json", strings.NewReader(`{"user":"wes","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == auth.CookieName {
				return resp, c.Name + "=" + c.Value
			}
		}
		return resp, ""
	}
	if resp, _ := login("wrong-secret-guess"); resp.StatusCode != 401 {
		t.Fatalf("wrong password: HTTP %d", resp.StatusCode)
	}
	resp, cookie := login("viewer password")
	if resp.StatusCode != 200 || cookie == "" {
		t.Fatalf("login: HTTP %d", resp.StatusCode)
	}
	get := func(path string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", n.srv.URL+path, nil)
		req.Header.Set("Cookie", cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	audit := func(q string) []store.AuditEntry {
		t.Helper()
		var out []store.AuditEntry
		if code := n.do("GET", "/api/audit"+q, nil, &out); code != 200 {
			t.Fatalf("GET /api/audit%s: HTTP %d", q, code)
		}
		return out
	}
	waitAction := func(action string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if len(audit("?user=wes&action="+action)) > 0 {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("no %s entry within 20 s: %+v", action, audit("?user=wes"))
	}

	ws, code, body := n.dialLiveWith(id, http.Header{"Cookie": {cookie}, "Origin": {n.srv.URL}})
	if ws == nil {
		t.Fatalf("live: %d %s", code, body)
	}
	ws.Close()
	waitAction(store.AuditLiveStop)

	rs := n.waitRecordings(id, 30*time.Second, "a recording with two segments", func(rs []recordingOut) bool { return len(rs) > 0 && rs[0].Segments >= 2 })
	rec := rs[0]
	for range 2 { // a player reloads the playlist and fetches every segment: still one entry
		code, pl := get(rec.Playlist)
		if code != 200 {
			t.Fatalf("playlist: HTTP %d %s", code, pl)
		}
		segs := parsePlaylist(t, string(pl))
		for _, s := range segs[:2] {
			uri := s.uri
			if !strings.HasPrefix(uri, "/") {
				uri = rec.Playlist[:strings.LastIndex(rec.Playlist, "/")+1] + uri
			}
			if code, b := get(uri); code != 200 {
				t.Fatalf("segment %s: HTTP %d %s", uri, code, b)
			}
		}
	}
	start, _ := time.Parse(time.RFC3339Nano, rec.Start)
	q := fmt.Sprintf("?since=%s&until=%s", start.Add(-time.Second).UTC().Format(time.RFC3339), time.Now().Add(time.Second).UTC().Format(time.RFC3339))
	if code, b := get("/api/cameras/" + id + "/export.mp4" + q); code != 200 {
		t.Fatalf("export: HTTP %d %.200s", code, b)
	}

	var got []string
	for _, e := range audit("?user=wes") {
		got = append(got, e.Action)
		if e.Addr == "" || e.At.IsZero() {
			t.Errorf("entry without address or time: %+v", e)
		}
		if e.Action != store.AuditLoginOK && e.Action != store.AuditLoginFailed && e.Camera != id {
			t.Errorf("entry without the camera: %+v", e)
		}
	}
	want := []string{store.AuditLoginFailed, store.AuditLoginOK, store.AuditLiveStart, store.AuditLiveStop, store.AuditRecordingPlay, store.AuditExport}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("the viewer's audit entries are %v, want %v", got, want)
	}
	if e := audit("?user=wes&action=" + store.AuditRecordingPlay); e[0].Detail != "recording "+rec.ID {
		t.Errorf("recording_play entry %+v does not name recording %s", e[0], rec.ID)
	}
	all, _ := json.Marshal(audit(""))
	for _, secret := range []string{"viewer password", "wrong-secret-guess", strings.TrimPrefix(cookie, auth.CookieName+"="), viewerTok, n.token, "rtsp://"} {
		if strings.Contains(string(all), secret) {
			t.Fatalf("the audit log holds a secret (%.12s…): %s", secret, all)
		}
	}
}
