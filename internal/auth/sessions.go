package auth

import (
	"context"

	"github.com/nvrproject/nvr/internal/store"
)

// SessionView is one of a user's sessions as shown to that user.
type SessionView struct {
	store.SessionInfo
	Current bool `json:"current"` // the session this request came with
}

// Sessions lists p's own open sessions, marking the one p came with.
func (s *Service) Sessions(ctx context.Context, p *Principal) ([]SessionView, error) {
	list, err := s.st.UserSessions(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	out := make([]SessionView, 0, len(list))
	for _, si := range list {
		out = append(out, SessionView{SessionInfo: si, Current: p.ViaCookie && si.Hash == p.credHash})
	}
	return out, nil
}

// EndSession ends one of p's own sessions by id and closes the live sockets it opened.
func (s *Service) EndSession(ctx context.Context, p *Principal, id int64) error {
	hash, err := s.st.DeleteUserSession(ctx, p.User.ID, id)
	if err != nil {
		return err
	}
	s.lives.endCredential(hash)
	return nil
}

// Credential identifies the token or session that authenticated p (the stored SHA-256 of its secret),
// for telling one login's requests from another's; it is not a secret but is never written out either.
func (p *Principal) Credential() string { return p.credHash }

// UserExists reports whether a user of that name exists (the audit log names a failed login's user
// only then, so a password typed into the name field is never recorded).
func (s *Service) UserExists(ctx context.Context, name string) bool {
	_, err := s.st.UserByName(ctx, name)
	return err == nil
}
