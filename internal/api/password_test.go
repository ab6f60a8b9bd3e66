package api

import (
	"context"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
)

// TestAdminResetsAPassword: an administrator sets another user's password without knowing the old one;
// every session of that user ends, the new password logs in, and the audit log says so without the
// password itself.
func TestAdminResetsAPassword(t *testing.T) {
	e := newEnv(t)
	c1, _ := login(t, e, "neighbour")
	c2, _ := login(t, e, "neighbour")
	const fresh = "a password the admin chose"
	if code, body := e.do(t, "PATCH", "/api/users/neighbour", e.admin, `{"password":"`+fresh+`"}`, nil); code != 200 {
		t.Fatalf("reset: %d %s", code, body)
	}
	if code, _ := e.doClient(t, c1, "GET", "/api/me", "", ""); code != 401 {
		t.Fatalf("a session of the user survived the password reset: %d", code)
	}
	if code, _ := e.doClient(t, c2, "GET", "/api/me", "", ""); code != 401 {
		t.Fatalf("the other session of the user survived the password reset: %d", code)
	}
	if _, _, _, err := e.auth.Login(context.Background(), "127.0.0.9", "neighbour", fresh); err != nil {
		t.Fatalf("login with the reset password: %v", err)
	}
	if _, _, _, err := e.auth.Login(context.Background(), "127.0.0.9", "neighbour", testPassword); err == nil {
		t.Fatal("the old password still logs in")
	}
	// A viewer cannot reset someone else's, even with their own current password.
	if code, _ := e.do(t, "PATCH", "/api/users/stranger", e.with, `{"password":"`+fresh+`","current_password":"`+testPassword+`"}`, nil); code != 403 {
		t.Fatalf("a viewer reset another user's password: %d", code)
	}
	entries, err := e.st.ListAudit(context.Background(), store.AuditFilter{Action: store.AuditUser})
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, a := range entries {
		said = append(said, a.User+": "+a.Detail)
	}
	all := strings.Join(said, "\n")
	if !strings.Contains(all, "admin: user neighbour: password reset") || strings.Contains(all, fresh) {
		t.Fatalf("audit entries of the reset: %q", all)
	}
}
