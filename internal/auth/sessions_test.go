package auth

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

func cookiePrincipal(t *testing.T, s *Service, secret string) (*Principal, error) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", CookieName+"="+secret)
	return s.Authenticate(r)
}

// TestEndSessionOnlyOwn: a user ends one of their sessions by id (its live sockets close); another
// user's session id is not found.
func TestEndSessionOnlyOwn(t *testing.T) {
	ctx := context.Background()
	s, st := liveEnv(t)
	hash, _ := HashPassword("a long password")
	if err := st.CreateUser(ctx, &store.User{Name: "bob", Role: store.RoleViewer, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	annSec, _, _, err := s.Login(ctx, "127.0.0.1", "ann", "a long password")
	if err != nil {
		t.Fatal(err)
	}
	ann2Sec, _, _, _ := s.Login(ctx, "127.0.0.1", "ann", "a long password")
	bobSec, _, _, err := s.Login(ctx, "127.0.0.1", "bob", "a long password")
	if err != nil {
		t.Fatal(err)
	}
	ann, _ := cookiePrincipal(t, s, annSec)
	ann2, _ := cookiePrincipal(t, s, ann2Sec)
	bob, _ := cookiePrincipal(t, s, bobSec)
	bobList, _ := s.Sessions(ctx, bob)
	if len(bobList) != 1 {
		t.Fatalf("bob's sessions: %+v", bobList)
	}
	if err := s.EndSession(ctx, ann, bobList[0].ID); err == nil {
		t.Fatal("ann ended bob's session")
	}
	if _, err := cookiePrincipal(t, s, bobSec); err != nil {
		t.Fatalf("bob's session is gone: %v", err)
	}
	l, _ := s.OpenLive(ann2, "yard", 0)
	defer l.Close()
	var id int64
	list, _ := s.Sessions(ctx, ann)
	for _, v := range list {
		if !v.Current {
			id = v.ID
		}
	}
	if err := s.EndSession(ctx, ann, id); err != nil {
		t.Fatal(err)
	}
	endsWithin(t, l.Done(), 10*time.Millisecond, "ending the session")
	if _, err := cookiePrincipal(t, s, ann2Sec); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("the ended session still authenticates: %v", err)
	}
}
