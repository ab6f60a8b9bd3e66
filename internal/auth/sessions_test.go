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

// TestPasswordChangeEndsOtherSessions: a password change keeps the session that made it and ends the
// user's others, their live sockets closing at once; the old password stops working.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	ctx := context.Background()
	s, _ := liveEnv(t)
	var secrets [2]string
	for i := range secrets {
		sec, _, _, err := s.Login(ctx, "127.0.0.1", "ann", "a long password")
		if err != nil {
			t.Fatal(err)
		}
		secrets[i] = sec
	}
	me, err := cookiePrincipal(t, s, secrets[0])
	if err != nil {
		t.Fatal(err)
	}
	other, err := cookiePrincipal(t, s, secrets[1])
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.OpenLive(other, "yard", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	list, err := s.Sessions(ctx, me)
	if err != nil || len(list) != 2 || list[0].Current == list[1].Current {
		t.Fatalf("sessions before: %+v %v (want 2, one current)", list, err)
	}
	if err := s.ChangePassword(ctx, me, "not the password", "a new long password"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("change with a wrong current password: %v", err)
	}
	if err := s.ChangePassword(ctx, me, "a long password", "a new long password"); err != nil {
		t.Fatal(err)
	}
	endsWithin(t, l.Done(), 10*time.Millisecond, "the password change (pushed, no watcher running)")
	if _, err := cookiePrincipal(t, s, secrets[1]); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("the other session survived the password change: %v", err)
	}
	if _, err := cookiePrincipal(t, s, secrets[0]); err != nil {
		t.Fatalf("the session that changed the password ended: %v", err)
	}
	if _, _, _, err := s.Login(ctx, "127.0.0.1", "ann", "a long password"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("the old password still works: %v", err)
	}
	if _, _, _, err := s.Login(ctx, "127.0.0.1", "ann", "a new long password"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
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
