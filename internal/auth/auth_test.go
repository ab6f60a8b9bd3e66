package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

func newService(t *testing.T) (*Service, *store.Store, *time.Time) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := New(st)
	// The clock starts at the real time: the store checks session expiry against the real clock, so a
	// fixed date made every session of these tests expire a week after it (a test broke on that day).
	now := time.Now().UTC().Truncate(time.Second)
	s.SetClock(func() time.Time { return now })
	return s, st, &now
}

func TestSetupTokenIsSingleUse(t *testing.T) {
	ctx := context.Background()
	s, st, _ := newService(t)
	tok, ok, err := s.SetupToken(ctx)
	if err != nil || !ok || len(tok) < 20 {
		t.Fatalf("SetupToken = %q %v %v", tok, ok, err)
	}
	if _, err := s.Setup(ctx, "wrong", "alice", "long enough pw"); !errors.Is(err, ErrSetupClosed) {
		t.Fatalf("a wrong token was accepted: %v", err)
	}
	// A wrong guess burns nothing, but the right token works only once.
	tok2, _, _ := s.SetupToken(ctx)
	if tok2 != tok {
		t.Fatal("the setup token changed while still valid")
	}
	u, err := s.Setup(ctx, tok, "alice", "long enough pw")
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("setup: %v %+v", err, u)
	}
	if _, err := s.Setup(ctx, tok, "mallory", "long enough pw"); !errors.Is(err, ErrSetupClosed) {
		t.Fatalf("the setup token worked twice: %v", err)
	}
	if _, ok, _ := s.SetupToken(ctx); ok {
		t.Fatal("a setup token is offered although an admin exists")
	}
	if n, _ := st.CountUsers(ctx); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

func TestSetupTokenExpires(t *testing.T) {
	ctx := context.Background()
	s, _, now := newService(t)
	tok, _, _ := s.SetupToken(ctx)
	*now = now.Add(SetupTTL + time.Second)
	if _, err := s.Setup(ctx, tok, "alice", "long enough pw"); !errors.Is(err, ErrSetupClosed) {
		t.Fatalf("an expired setup token was accepted: %v", err)
	}
}

func TestLoginRateLimited(t *testing.T) {
	ctx := context.Background()
	s, st, now := newService(t)
	hash, _ := HashPassword("right password")
	if err := st.CreateUser(ctx, &store.User{Name: "bob", Role: store.RoleViewer, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, "right password") || !strings.HasPrefix(hash, "$2") {
		t.Fatalf("password is not stored as a bcrypt hash: %q", hash)
	}
	for i := 0; i < maxFailures; i++ {
		if _, _, _, err := s.Login(ctx, "10.0.0.1", "bob", "guess"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Blocked now, even with the right password, from that address.
	if _, _, _, err := s.Login(ctx, "10.0.0.1", "bob", "right password"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("not rate limited after %d failures: %v", maxFailures, err)
	}
	// Another user from another address is not affected.
	if _, _, _, err := s.Login(ctx, "10.0.0.3", "nobody", "x"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("unrelated login: %v", err)
	}
	*now = now.Add(window + time.Second)
	secret, sess, u, err := s.Login(ctx, "10.0.0.1", "bob", "right password")
	if err != nil || u.Name != "bob" || secret == "" || sess.CSRF == "" {
		t.Fatalf("login after the window: %v", err)
	}
	// The session cookie authenticates; the CSRF token guards its writes.
	r := httptest.NewRequest("POST", "/api/x", nil)
	r.AddCookie(&http.Cookie{Name: CookieName, Value: secret})
	p, err := s.Authenticate(r)
	if err != nil || p.User.Name != "bob" || !p.ViaCookie {
		t.Fatalf("cookie: %v", err)
	}
	if p.CheckCSRF(r) {
		t.Fatal("a cookie write without X-CSRF-Token passed")
	}
	r.Header.Set("X-CSRF-Token", sess.CSRF)
	if !p.CheckCSRF(r) {
		t.Fatal("the right CSRF token was refused")
	}
}

func TestTokensAreHashedAndRevocable(t *testing.T) {
	ctx := context.Background()
	s, st, _ := newService(t)
	hash, _ := HashPassword("right password")
	if err := st.CreateUser(ctx, &store.User{Name: "ci", Role: store.RoleAdmin, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	tok, err := s.NewToken(ctx, "ci", "deploy")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM tokens WHERE hash = ?`, tok).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the plain token is stored (%d rows, %v)", n, err)
	}
	r := httptest.NewRequest("GET", "/api/cameras", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	if p, err := s.Authenticate(r); err != nil || p.User.Name != "ci" {
		t.Fatalf("token: %v", err)
	}
	if k, err := st.RevokeTokens(ctx, "ci", "deploy"); err != nil || k != 1 {
		t.Fatalf("revoke: %d %v", k, err)
	}
	if _, err := s.Authenticate(r); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("a revoked token still works: %v", err)
	}
}
