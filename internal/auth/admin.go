package auth

import (
	"context"

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

// CheckPassword reports whether password is the user's.
func CheckPassword(u *store.User, password string) bool {
	return u != nil && bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil
}
