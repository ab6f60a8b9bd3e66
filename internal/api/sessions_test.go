package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestSessionRoutes: a user lists their own sessions by cookie, ends another of theirs (which then stops
// working), cannot end someone else's, and a password change ends the rest but the asking session.
func TestSessionRoutes(t *testing.T) {
	e := newEnv(t)
	type login struct{ cookie, csrf string }
	logIn := func(user string) login {
		t.Helper()
		resp, err := http.Post(e.srv.URL+"/api/login", "application/json", strings.NewReader(`{"user":"`+user+`","password":"`+testPassword+`"}`))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("login %s: %v %v", user, err, resp)
		}
		defer resp.Body.Close()
		var out struct{ CSRF string }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return login{resp.Cookies()[0].Name + "=" + resp.Cookies()[0].Value, out.CSRF}
	}
	call := func(l login, method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Cookie", l.cookie)
		req.Header.Set("X-CSRF-Token", l.csrf)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	type sess struct {
		ID      int64 `json:"id"`
		Current bool  `json:"current"`
	}
	list := func(l login) []sess {
		t.Helper()
		code, body := call(l, "GET", "/api/sessions", "")
		var out []sess
		if code != 200 || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("GET /api/sessions: %d %s", code, body)
		}
		return out
	}
	a1, a2, a3, b := logIn("neighbour"), logIn("neighbour"), logIn("neighbour"), logIn("stranger")
	mine := list(a1)
	if len(mine) != 3 || strings.Contains(fmt.Sprint(mine), "hash") {
		t.Fatalf("neighbour's sessions: %+v", mine)
	}
	var current int
	for _, s := range mine {
		if s.Current {
			current++
		}
	}
	if current != 1 {
		t.Fatalf("%d sessions marked current, want 1: %+v", current, mine)
	}
	bs := list(b)
	if code, _ := call(a1, "DELETE", fmt.Sprintf("/api/sessions/%d", bs[0].ID), ""); code != 404 {
		t.Fatalf("ending another user's session: HTTP %d, want 404", code)
	}
	if code, _ := call(b, "GET", "/api/me", ""); code != 200 {
		t.Fatalf("stranger's session ended by neighbour: %d", code)
	}
	a2list := list(a2)
	var a2id int64
	for _, s := range a2list {
		if s.Current {
			a2id = s.ID
		}
	}
	if code, body := call(a1, "DELETE", fmt.Sprintf("/api/sessions/%d", a2id), ""); code != 204 {
		t.Fatalf("ending my other session: %d %s", code, body)
	}
	if code, _ := call(a2, "GET", "/api/me", ""); code != 401 {
		t.Fatalf("an ended session still works: %d", code)
	}
	if code, body := call(a1, "PATCH", "/api/users/neighbour", `{"current_password":"wrong","password":"a brand new password"}`); code != 403 {
		t.Fatalf("password change with a wrong current password: %d %s", code, body)
	}
	if code, body := call(a1, "PATCH", "/api/users/neighbour", `{"current_password":"`+testPassword+`","password":"a brand new password"}`); code != 200 {
		t.Fatalf("password change: %d %s", code, body)
	}
	if code, _ := call(a3, "GET", "/api/me", ""); code != 401 {
		t.Fatalf("another session survived the password change: %d", code)
	}
	if got := list(a1); len(got) != 1 || !got[0].Current {
		t.Fatalf("after the change the asking session should be the only one: %+v", got)
	}
	// One route changes one's own password: the old POST /api/me/password is gone.
	if code, _ := call(a1, "POST", "/api/me/password", `{"current":"a brand new password","new":"another new password"}`); code != 404 {
		t.Fatalf("POST /api/me/password answered %d; the own-password route is PATCH /api/users/{name}", code)
	}
}
