package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

type userJSON struct {
	Name    string
	Role    string
	Cameras map[string]struct{ Live, Recordings, PTZ bool }
}

func TestUsersCreateListChangeRemove(t *testing.T) {
	e := newEnv(t)
	code, body := e.do(t, "POST", "/api/users", e.admin, `{"name":"kid","role":"viewer","password":"long enough 1","cameras":{"yard":{"live":true,"recordings":false}}}`, nil)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	if strings.Contains(body, "$2") || strings.Contains(body, "long enough") {
		t.Fatalf("the answer shows password material: %s", body)
	}
	// Bad input: one sentence each, nothing saved.
	for _, bad := range []struct{ body, want string }{
		{`{"name":"kid2","password":"short"}`, "shorter than 8"},
		{`{"name":"kid2","role":"owner","password":"long enough 1"}`, "role"},
		{`{"name":"bad name!","password":"long enough 1"}`, "user name"},
		{`{"name":"KID","password":"long enough 1"}`, "already exists"},
		{`{"name":"kid2","password":"long enough 1","cameras":{"attic":{"live":true}}}`, "camera"},
		{`{"name":"kid2","password":"long enough 1","colour":"red"}`, "unknown field"},
	} {
		code, body := e.do(t, "POST", "/api/users", e.admin, bad.body, nil)
		msg := decode[map[string]string](t, body)["error"]
		if code < 400 || code >= 500 || !strings.Contains(msg, bad.want) {
			t.Errorf("POST %s: HTTP %d %q, want 4xx with %q", bad.body, code, msg, bad.want)
		}
	}
	_, body = e.do(t, "GET", "/api/users", e.admin, "", nil)
	users := decode[[]userJSON](t, body)
	if len(users) != 4 {
		t.Fatalf("%d users after one good create, want 4: %s", len(users), body)
	}
	var kid userJSON
	for _, u := range users {
		if u.Name == "kid" {
			kid = u
		}
	}
	if kid.Role != "viewer" || !kid.Cameras["yard"].Live || kid.Cameras["yard"].Recordings || len(kid.Cameras) != 1 {
		t.Fatalf("kid is listed as %+v", kid)
	}
	// A change that fails in part changes nothing.
	code, _ = e.do(t, "PATCH", "/api/users/kid", e.admin, `{"role":"admin","cameras":{"attic":{"live":true}}}`, nil)
	if code != 400 {
		t.Fatalf("change with a missing camera: HTTP %d, want 400", code)
	}
	_, body = e.do(t, "GET", "/api/users", e.admin, "", nil)
	if !strings.Contains(body, `"name": "kid",
    "role": "viewer"`) {
		t.Fatalf("a refused change was saved in part: %s", body)
	}
	code, body = e.do(t, "PATCH", "/api/users/kid", e.admin, `{"cameras":{"house":{"live":true,"recordings":true}}}`, nil)
	if u := decode[userJSON](t, body); code != 200 || len(u.Cameras) != 1 || !u.Cameras["house"].Recordings {
		t.Fatalf("change cameras: %d %s", code, body)
	}
	if code, _ := e.do(t, "DELETE", "/api/users/kid", e.admin, "", nil); code != 204 {
		t.Fatalf("remove: %d", code)
	}
	if code, _ := e.do(t, "DELETE", "/api/users/kid", e.admin, "", nil); code != 404 {
		t.Fatalf("remove twice: %d, want 404", code)
	}
}

func TestTheLastAdministratorStays(t *testing.T) {
	e := newEnv(t)
	if code, body := e.do(t, "PATCH", "/api/users/admin", e.admin, `{"role":"viewer"}`, nil); code != 409 || !strings.Contains(body, "at least one administrator") {
		t.Fatalf("demote the only admin: %d %s", code, body)
	}
	if code, _ := e.do(t, "DELETE", "/api/users/admin", e.admin, "", nil); code != 409 {
		t.Fatalf("remove the only admin: %d, want 409", code)
	}
	// With a second administrator, the first may go.
	e.do(t, "PATCH", "/api/users/stranger", e.admin, `{"role":"admin"}`, nil)
	if code, _ := e.do(t, "PATCH", "/api/users/admin", e.admin, `{"role":"viewer"}`, nil); code != 200 {
		t.Fatalf("demote one of two admins: %d", code)
	}
}

func TestUsersChangeTheirOwnPassword(t *testing.T) {
	e := newEnv(t)
	c, csrf := login(t, e, "neighbour")
	patch := func(path, body string) (int, string) {
		return e.doClient(t, c, "PATCH", path, body, csrf)
	}
	if code, _ := patch("/api/users/neighbour", `{"password":"a new password"}`); code != 403 {
		t.Fatalf("own password without the current one: %d, want 403", code)
	}
	if code, _ := patch("/api/users/neighbour", `{"password":"a new password","current_password":"guess"}`); code != 403 {
		t.Fatalf("own password with a wrong current one: %d, want 403", code)
	}
	if code, _ := patch("/api/users/neighbour", `{"role":"admin"}`); code != 403 {
		t.Fatalf("a viewer made themselves admin: %d", code)
	}
	if code, _ := patch("/api/users/stranger", `{"password":"a new password"}`); code != 403 {
		t.Fatalf("a viewer changed another user's password: %d", code)
	}
	if code, body := patch("/api/users/neighbour", `{"password":"a new password","current_password":"`+testPassword+`"}`); code != 200 {
		t.Fatalf("own password: %d %s", code, body)
	}
	// The page that changed it stays logged in; the new password logs in, the old one no longer.
	if code, _ := e.doClient(t, c, "GET", "/api/me", "", ""); code != 200 {
		t.Fatalf("the session that changed the password was ended: %d", code)
	}
	if _, _, _, err := e.auth.Login(context.Background(), "127.0.0.9", "neighbour", "a new password"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if _, _, _, err := e.auth.Login(context.Background(), "127.0.0.9", "neighbour", testPassword); err == nil {
		t.Fatal("the old password still logs in")
	}
}

// TestLosingAccessEndsTheStream: removing a permission or the user ends their push stream at once.
func TestLosingAccessEndsTheStream(t *testing.T) {
	for _, change := range []struct{ name, method, path, body string }{
		{"permission removed", "PATCH", "/api/users/neighbour", `{"cameras":{}}`},
		{"user removed", "DELETE", "/api/users/neighbour", ""},
	} {
		t.Run(change.name, func(t *testing.T) {
			e, _ := streamEnv(t)
			ch, _ := openStream(t, e, e.with)
			waitFor(t, ch, "yard's status", func(m sseMsg) bool { return m.name == "camera" }, nil)
			if code, body := e.do(t, change.method, change.path, e.admin, change.body, nil); code >= 300 {
				t.Fatalf("%s: %d %s", change.name, code, body)
			}
			waitFor(t, ch, "the end message", func(m sseMsg) bool { return m.name == "end" }, nil)
			deadline := time.After(20 * time.Second)
			for {
				select {
				case _, ok := <-ch:
					if !ok {
						return
					}
				case <-deadline:
					t.Fatal("the stream stayed open")
				}
			}
		})
	}
}

func TestTokensShownOnceAndRevoked(t *testing.T) {
	e := newEnv(t)
	code, body := e.do(t, "POST", "/api/tokens", e.with, `{"name":"phone"}`, nil)
	tok := decode[map[string]string](t, body)
	if code != 201 || !strings.HasPrefix(tok["token"], "nvr_") || tok["user"] != "neighbour" || tok["id"] == "" {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, _ := e.do(t, "GET", "/api/me", tok["token"], "", nil); code != 200 {
		t.Fatalf("the new token does not authenticate: %d", code)
	}
	_, list := e.do(t, "GET", "/api/tokens", e.with, "", nil)
	if strings.Contains(list, tok["token"]) || !strings.Contains(list, `"phone"`) || strings.Contains(list, `"admin"`) {
		t.Fatalf("the neighbour's token list: %s", list)
	}
	_, all := e.do(t, "GET", "/api/tokens", e.admin, "", nil)
	if n := len(decode[[]map[string]string](t, all)); n != 4 {
		t.Fatalf("admin sees %d tokens, want 4: %s", n, all)
	}
	if code, _ := e.do(t, "POST", "/api/tokens", e.with, `{"name":"x","user":"stranger"}`, nil); code != 403 {
		t.Fatalf("a viewer made a token for another user: %d", code)
	}
	if code, _ := e.do(t, "POST", "/api/tokens", e.with, `{"name":" "}`, nil); code != 400 {
		t.Fatalf("a token without a name: %d", code)
	}
	if code, _ := e.do(t, "DELETE", "/api/tokens/"+tok["id"], e.without, "", nil); code != 404 {
		t.Fatalf("another viewer revoked the neighbour's token: %d, want 404", code)
	}
	if code, _ := e.do(t, "DELETE", "/api/tokens/"+tok["id"], e.with, "", nil); code != 204 {
		t.Fatalf("revoke own token: %d", code)
	}
	if code, _ := e.do(t, "GET", "/api/me", tok["token"], "", nil); code != 401 {
		t.Fatalf("a revoked token still authenticates: %d", code)
	}
	// An admin makes a wall display's token for a viewer.
	code, body = e.do(t, "POST", "/api/tokens", e.admin, `{"name":"wall","user":"neighbour"}`, nil)
	if code != 201 || decode[map[string]string](t, body)["user"] != "neighbour" {
		t.Fatalf("admin token for a viewer: %d %s", code, body)
	}
}

func TestGroupsFilteredPerViewer(t *testing.T) {
	e := newEnv(t)
	put := `[{"name":"Outside","cameras":["yard","house"]},{"name":"Inside","cameras":["house"]}]`
	if code, body := e.do(t, "PUT", "/api/groups", e.admin, put, nil); code != 200 {
		t.Fatalf("put: %d %s", code, body)
	}
	_, body := e.do(t, "GET", "/api/groups", e.admin, "", nil)
	if g := decode[[]map[string]any](t, body); len(g) != 2 || g[0]["name"] != "Outside" {
		t.Fatalf("admin's groups: %s", body)
	}
	_, body = e.do(t, "GET", "/api/groups", e.with, "", nil)
	if strings.Contains(body, "house") || strings.Contains(body, "Inside") || !strings.Contains(body, "yard") {
		t.Fatalf("the neighbour's groups: %s", body)
	}
	_, body = e.do(t, "GET", "/api/groups", e.without, "", nil)
	if strings.TrimSpace(body) != "[]" {
		t.Fatalf("a viewer without cameras sees groups: %s", body)
	}
	// Bad input changes nothing.
	for _, bad := range []string{
		`[{"name":"A","cameras":["attic"]}]`,
		`[{"name":"A","cameras":[]},{"name":"a","cameras":[]}]`,
		`[{"name":"","cameras":[]}]`,
		`[{"name":"A","cameras":["yard","yard"]}]`,
		`{"name":"A"}`,
	} {
		if code, body := e.do(t, "PUT", "/api/groups", e.admin, bad, nil); code != 400 {
			t.Errorf("PUT %s: %d %s, want 400", bad, code, body)
		}
	}
	_, after := e.do(t, "GET", "/api/groups", e.admin, "", nil)
	if !strings.Contains(after, "Inside") || !strings.Contains(after, "Outside") {
		t.Fatalf("refused changes were saved: %s", after)
	}
	// A deleted camera leaves its groups.
	if code, _ := e.do(t, "DELETE", "/api/cameras/house", e.admin, "", nil); code != 204 {
		t.Fatalf("delete camera: %d", code)
	}
	_, after = e.do(t, "GET", "/api/groups", e.admin, "", nil)
	if strings.Contains(after, "house") {
		t.Fatalf("a deleted camera is still in a group: %s", after)
	}
}
