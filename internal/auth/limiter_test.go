package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

func addUsers(t *testing.T, st *store.Store, names ...string) {
	t.Helper()
	hash, _ := HashPassword("right password")
	for _, n := range names {
		if err := st.CreateUser(context.Background(), &store.User{Name: n, Role: store.RoleViewer, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLockoutHitsOnlyTheUserAtTheAddress: five typos of one user from a shared address (a household
// NAT, a reverse proxy) block that user there, not the others behind it, and not that user elsewhere.
func TestLockoutHitsOnlyTheUserAtTheAddress(t *testing.T) {
	ctx := context.Background()
	s, st, _ := newService(t)
	addUsers(t, st, "bob", "carol")
	for i := 0; i < maxFailures; i++ {
		if _, _, _, err := s.Login(ctx, "10.0.0.1", "bob", "typo"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, _, _, err := s.Login(ctx, "10.0.0.1", "bob", "right password"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("bob after %d typos: %v, want rate limited", maxFailures, err)
	}
	if _, _, _, err := s.Login(ctx, "10.0.0.1", "carol", "right password"); err != nil {
		t.Fatalf("carol at the same address is blocked by bob's typos: %v", err)
	}
	if _, _, _, err := s.Login(ctx, "10.0.0.2", "bob", "right password"); err != nil {
		t.Fatalf("bob from another address is blocked: %v", err)
	}
}

// TestCorrectPasswordPassesAddressLimit: when many users' typos put an address over its limit, a user
// who has not failed from it still logs in with the right password; one who has failed is refused, and a
// sprayer gets one guess per user.
func TestCorrectPasswordPassesAddressLimit(t *testing.T) {
	ctx := context.Background()
	s, st, now := newService(t)
	addUsers(t, st, "dave", "erin")
	// addrMax failures spread over users (none reaching the per-user limit) put the address over.
	for i := 0; i < addrMax; i++ {
		user := fmt.Sprintf("typist%d", i/(maxFailures-1))
		if _, _, _, err := s.Login(ctx, "10.0.0.9", user, "typo"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d (%s): %v", i, user, err)
		}
	}
	if _, _, _, err := s.Login(ctx, "10.0.0.9", "dave", "right password"); err != nil {
		t.Fatalf("dave's right password is refused by an address limit others caused: %v", err)
	}
	// erin guesses wrong once: over the address limit, that is her one guess for the window.
	if _, _, _, err := s.Login(ctx, "10.0.0.9", "erin", "wrong"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("erin's first wrong guess: %v", err)
	}
	if _, _, _, err := s.Login(ctx, "10.0.0.9", "erin", "right password"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("erin's second try at an address over its limit: %v, want rate limited", err)
	}
	// A new name from the sprayed address still gets its password checked, once.
	if _, _, _, err := s.Login(ctx, "10.0.0.9", "typist0", "typo"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("typist0 (failed here before) at an address over its limit: %v", err)
	}
	// After the per-user window erin is let through again (the address is still over its limit).
	*now = now.Add(window + time.Second)
	if _, _, _, err := s.Login(ctx, "10.0.0.9", "erin", "right password"); err != nil {
		t.Fatalf("erin after the per-user window: %v", err)
	}
}
