package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// addViewer creates a viewer of the camera and returns an API token for them.
func (n *nvr) addViewer(name, cameraID string) string {
	n.t.Helper()
	hash, _ := auth.HashPassword("viewer password")
	if err := n.st.CreateUser(context.Background(), &store.User{Name: name, Role: store.RoleViewer, PasswordHash: hash,
		Cameras: map[string]store.Perm{cameraID: {Live: true, Recordings: true}}}); err != nil {
		n.t.Fatal(err)
	}
	tok, err := n.app.Auth.NewToken(context.Background(), name, "phone")
	if err != nil {
		n.t.Fatal(err)
	}
	return tok
}

// dialLiveWith opens the camera's live socket with the given headers; it returns the socket, or the
// refusal's status and body.
func (n *nvr) dialLiveWith(id string, hdr http.Header) (*websocket.Conn, int, string) {
	n.t.Helper()
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + "/api/cameras/" + id + "/live"
	ws, resp, err := websocket.DefaultDialer.Dial(u, hdr)
	if err != nil {
		if resp == nil {
			n.t.Fatalf("dial live: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		return nil, resp.StatusCode, string(b)
	}
	n.t.Cleanup(func() { ws.Close() })
	// It streams: the first message arrives.
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := ws.ReadMessage(); err != nil {
		n.t.Fatalf("live socket sent nothing: %v", err)
	}
	return ws, 101, ""
}

// closedWithin reads the socket until it closes; it fails unless nvrd closed it within d, saying why.
func closedWithin(t *testing.T, ws *websocket.Conn, d time.Duration, what string) {
	t.Helper()
	start := time.Now()
	_ = ws.SetReadDeadline(start.Add(d))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("live socket still streaming %s after %s (%v)", d, what, err)
		}
		if ce.Code != 4001 || !strings.Contains(ce.Text, "log in again") {
			t.Fatalf("after %s the socket closed with %d %q, want 4001 and a reason", what, ce.Code, ce.Text)
		}
		t.Logf("closed %s after %s", time.Since(start).Round(time.Millisecond), what)
		return
	}
}

// TestLiveEndsWithLogin: a live socket closes within 2 s of its session's logout, its token's
// revocation, its user's removal, or its live permission being taken away; the per-user cap refuses
// the 17th socket with a plain reason.
func TestLiveEndsWithLogin(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	cam := startCamera(t, testcam.Options{})
	n := startNVR(t)
	id := n.addCamera("Porch", cam.URL())
	n.waitStatus(id, 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	ctx := context.Background()
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

	t.Run("logout", func(t *testing.T) {
		n.addViewer("sam", id)
		resp, err := http.Post(n.srv.URL+"/api/login", "application/json", strings.NewReader(`{"user":"sam","password":"viewer password"}`))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("login: %v %v", err, resp)
		}
		var login struct{ CSRF string }
		_ = json.NewDecoder(resp.Body).Decode(&login)
		resp.Body.Close()
		var cookie string
		for _, c := range resp.Cookies() {
			if c.Name == auth.CookieName {
				cookie = c.Name + "=" + c.Value
			}
		}
		ws, code, body := n.dialLiveWith(id, http.Header{"Cookie": {cookie}, "Origin": {n.srv.URL}})
		if ws == nil {
			t.Fatalf("live with a session: %d %s", code, body)
		}
		req, _ := http.NewRequest("POST", n.srv.URL+"/api/logout", nil)
		req.Header.Set("Cookie", cookie)
		req.Header.Set("X-CSRF-Token", login.CSRF)
		req.Header.Set("Origin", n.srv.URL)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
			t.Fatalf("logout: %v %v", err, resp)
		}
		closedWithin(t, ws, 2*time.Second, "logout")
	})
	t.Run("token revoked", func(t *testing.T) {
		tok := n.addViewer("tia", id)
		ws, _, _ := n.dialLiveWith(id, bearer(tok))
		if _, err := n.st.RevokeTokens(ctx, "tia", ""); err != nil {
			t.Fatal(err)
		}
		closedWithin(t, ws, 2*time.Second, "token revocation")
	})
	t.Run("permission removed", func(t *testing.T) {
		tok := n.addViewer("uma", id)
		ws, _, _ := n.dialLiveWith(id, bearer(tok))
		if _, err := n.st.DB().ExecContext(ctx, `UPDATE user_cameras SET live=0 WHERE user_id=(SELECT id FROM users WHERE name='uma')`); err != nil {
			t.Fatal(err)
		}
		closedWithin(t, ws, 2*time.Second, "removing the live permission")
	})
	t.Run("user removed", func(t *testing.T) {
		tok := n.addViewer("vic", id)
		ws, _, _ := n.dialLiveWith(id, bearer(tok))
		if err := n.st.DeleteUser(ctx, "vic"); err != nil {
			t.Fatal(err)
		}
		closedWithin(t, ws, 2*time.Second, "removing the user")
	})
	t.Run("cap per user and camera", func(t *testing.T) {
		tok := n.addViewer("wes", id)
		for i := 0; i < auth.DefaultLivePerUserCamera; i++ {
			if ws, code, body := n.dialLiveWith(id, bearer(tok)); ws == nil {
				t.Fatalf("live socket %d refused: %d %s", i+1, code, body)
			}
		}
		ws, code, body := n.dialLiveWith(id, bearer(tok))
		var e struct{ Error string }
		if ws != nil || code != http.StatusTooManyRequests || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Error, "16 live views") {
			t.Fatalf("socket 17: %d %s, want 429 with a plain reason", code, body)
		}
		// Another user is not affected.
		if ws, code, body := n.dialLiveWith(id, http.Header{"Authorization": {"Bearer " + n.token}}); ws == nil {
			t.Fatalf("the administrator's live socket was refused: %d %s", code, body)
		}
	})
}
