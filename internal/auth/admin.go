package auth

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/nvrproject/nvr/internal/store"
)

// SessionHash is the stored hash of the browser session that authenticated p, or "" for a token.
func (p *Principal) SessionHash() string {
	if p == nil || !p.ViaCookie {
		return ""
	}
	return p.credHash
}

// NewTokenFor creates an API token for the user with that id and returns its id and the plain token,
// which is shown once: only its hash is kept.
func (s *Service) NewTokenFor(ctx context.Context, userID int64, name string) (int64, string, error) {
	tok := tokenPrefix + randomString(32)
	id, err := s.st.CreateTokenFor(ctx, userID, Hash(tok), name)
	if err != nil {
		return 0, "", err
	}
	return id, tok, nil
}

// ErrWrongCurrentPassword is why a user's change of their own password was refused.
var ErrWrongCurrentPassword = errors.New("the current password is wrong (current_password); it is needed to set a new one")

// CheckCurrentPassword checks the password a user gives to change their own, under the same rate limit
// as logins (per client address and per user), so a stolen session cannot guess it quickly.
func (s *Service) CheckCurrentPassword(addr string, u *store.User, password string) error {
	name := strings.ToLower(u.Name)
	now := s.clock()
	if !s.limiter.check(name, addr, now) {
		return ErrRateLimited
	}
	if !CheckPassword(u, password) {
		s.limiter.fail(name, addr, now)
		return ErrWrongCurrentPassword
	}
	s.limiter.succeed(name, addr)
	return nil
}

// CheckPassword reports whether password is the user's.
func CheckPassword(u *store.User, password string) bool {
	return u != nil && bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil
}
