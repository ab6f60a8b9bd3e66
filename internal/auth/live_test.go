package auth

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// liveEnv is a service with a camera "yard" and a viewer "ann" allowed to watch it.
func liveEnv(t *testing.T) (*Service, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.CreateCamera(ctx, &store.Camera{Name: "Yard", URL: "rtsp://10.0.0.5/s", CameraSettings: store.DefaultSettings()}); err != nil {
		t.Fatal(err)
	}
	hash, _ := HashPassword("a long password")
	if err := st.CreateUser(ctx, &store.User{Name: "ann", Role: store.RoleViewer, PasswordHash: hash,
		Cameras: map[string]store.Perm{"yard": {Live: true, Recordings: true}}}); err != nil {
		t.Fatal(err)
	}
	return New(st), st
}

func tokenPrincipal(t *testing.T, s *Service, user string) *Principal {
	t.Helper()
	tok, err := s.NewToken(context.Background(), user, "t")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	p, err := s.Authenticate(r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// watched opens a live lease and runs its watcher; it returns the lease and a channel closed when
// the lease ended.
func watched(t *testing.T, s *Service, p *Principal) (*Live, <-chan struct{}) {
	t.Helper()
	l, err := s.OpenLive(p, "yard", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); l.Watch(ctx, 100*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-stopped; l.Close() })
	return l, l.Done()
}

func endsWithin(t *testing.T, done <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("the live socket was not ended within %s of %s", d, what)
	}
}

func stillOpen(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
		t.Fatalf("%s was ended too", what)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestLiveCapPerUserCamera(t *testing.T) {
	s, _ := liveEnv(t)
	p := tokenPrincipal(t, s, "ann")
	var ls []*Live
	for i := 0; i < DefaultLivePerUserCamera; i++ {
		l, err := s.OpenLive(p, "yard", 0)
		if err != nil {
			t.Fatalf("live socket %d refused: %v", i+1, err)
		}
		ls = append(ls, l)
	}
	_, err := s.OpenLive(p, "yard", 0)
	if err == nil || !strings.Contains(err.Error(), "16 live views") || !strings.Contains(err.Error(), "close one") {
		t.Fatalf("socket 17: %v, want a refusal that says why", err)
	}
	// Another token of the same user counts under the same cap.
	if _, err := s.OpenLive(tokenPrincipal(t, s, "ann"), "yard", 0); err == nil {
		t.Fatal("a second token of the same user escaped the cap")
	}
	ls[0].Close()
	ls[0].Close()
	if n := s.LiveCount(p.User.ID, "yard"); n != DefaultLivePerUserCamera-1 {
		t.Fatalf("after one close %d are counted", n)
	}
	if _, err := s.OpenLive(p, "yard", 0); err != nil {
		t.Fatalf("a freed place was not reusable: %v", err)
	}
}

func TestLiveEndsWithItsCredential(t *testing.T) {
	ctx := context.Background()
	s, st := liveEnv(t)

	t.Run("logout", func(t *testing.T) {
		secret, _, _, err := s.Login(ctx, "127.0.0.1", "ann", "a long password")
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", CookieName+"="+secret)
		p, err := s.Authenticate(r)
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.OpenLive(p, "yard", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		other, otherDone := watched(t, s, tokenPrincipal(t, s, "ann"))
		_ = other
		s.Logout(r)
		endsWithin(t, l.Done(), 10*time.Millisecond, "logout (pushed, no watcher running)")
		stillOpen(t, otherDone, "the same user's socket opened with a token")
	})
	t.Run("token revoked", func(t *testing.T) {
		_, done := watched(t, s, tokenPrincipal(t, s, "ann"))
		stillOpen(t, done, "a socket whose token is valid")
		if _, err := st.RevokeTokens(ctx, "ann", ""); err != nil {
			t.Fatal(err)
		}
		endsWithin(t, done, 2*time.Second, "token revocation")
	})
	t.Run("permission removed", func(t *testing.T) {
		_, done := watched(t, s, tokenPrincipal(t, s, "ann"))
		if _, err := st.DB().ExecContext(ctx, `UPDATE user_cameras SET live=0 WHERE camera_id='yard'`); err != nil {
			t.Fatal(err)
		}
		endsWithin(t, done, 2*time.Second, "removing the live permission")
	})
	t.Run("user removed", func(t *testing.T) {
		hash, _ := HashPassword("a long password")
		if err := st.CreateUser(ctx, &store.User{Name: "bob", Role: store.RoleAdmin, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
		_, done := watched(t, s, tokenPrincipal(t, s, "bob"))
		if err := st.DeleteUser(ctx, "bob"); err != nil {
			t.Fatal(err)
		}
		endsWithin(t, done, 2*time.Second, "removing the user")
	})
}

// The periodic checks of one credential's sockets share its lookup: a wall's 8 tiles on one token ask
// the database about once per interval and token, not once per socket, and all of them still end
// when the token is revoked.
func TestLiveChecksShareTheCredentialLookup(t *testing.T) {
	s, st := liveEnv(t)
	p := tokenPrincipal(t, s, "ann")
	const sockets = 8
	var dones []<-chan struct{}
	for range sockets {
		_, done := watched(t, s, p) // checked every 100 ms
		dones = append(dones, done)
	}
	before := s.lives.asked.Load()
	time.Sleep(time.Second)
	asked := s.lives.asked.Load() - before
	// Unshared: 8 sockets × 10 checks = 80. Shared (a lookup serves for 50 ms): at most about 20.
	if asked > 30 || asked < 5 {
		t.Fatalf("%d credential lookups in 1 s for %d sockets checked every 100 ms, want 5–30", asked, sockets)
	}
	// Revoked from outside (as the CLI does): every socket ends within 1.5 intervals, with slack.
	if _, err := st.RevokeTokens(context.Background(), "ann", ""); err != nil {
		t.Fatal(err)
	}
	for i, d := range dones {
		endsWithin(t, d, 500*time.Millisecond, fmt.Sprintf("token revocation (socket %d)", i+1))
	}
}
