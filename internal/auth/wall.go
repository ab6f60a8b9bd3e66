package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/nvrproject/nvr/internal/store"
)

// ErrNotWallToken is why a token given in a URL was refused: only wall tokens may travel that way.
var ErrNotWallToken = errors.New("only a wall token may be given in the URL; send other tokens as Authorization: Bearer")

// Wall reports a wall token: live video, snapshots and status of its cameras, nothing else.
func (p *Principal) Wall() bool { return p != nil && p.wall }

// NewWallTokenFor creates a wall token of the user with that id (its creator) limited to live view of
// cameras, and returns its id and the plain token, which is shown once.
func (s *Service) NewWallTokenFor(ctx context.Context, userID int64, name string, cameras []string) (int64, string, error) {
	tok := tokenPrefix + randomString(32)
	id, err := s.st.CreateWallTokenFor(ctx, userID, Hash(tok), name, cameras)
	if err != nil {
		return 0, "", err
	}
	return id, tok, nil
}

// AuthenticateWall authenticates a token given outside the Authorization header (the wall page's
// WebSocket URL, which cannot carry headers). Only a wall token is accepted this way.
func (s *Service) AuthenticateWall(r *http.Request, token string) (*Principal, error) {
	p, err := s.fromToken(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return nil, err
	}
	if !p.Wall() {
		return nil, ErrNotWallToken
	}
	return p, nil
}

// fromToken finds the principal of a bearer token. A wall token's principal is its creator narrowed to
// a viewer with live permission on the wall's cameras only (and Wall true, which the API checks too).
func (s *Service) fromToken(ctx context.Context, tok string) (*Principal, error) {
	if tok == "" {
		return nil, ErrNoCredentials
	}
	hash := Hash(tok)
	u, err := s.st.UserByToken(ctx, hash)
	if err != nil {
		return nil, ErrNoCredentials
	}
	kind, cams, err := s.st.TokenScope(ctx, hash)
	if err != nil {
		return nil, ErrNoCredentials
	}
	if kind != store.TokenWall {
		return &Principal{User: u, credHash: hash}, nil
	}
	return &Principal{User: wallUser(u, cams), credHash: hash, wall: true}, nil
}

// wallUser is a wall token's creator u narrowed to a viewer with live permission on cams only.
func wallUser(u *store.User, cams []string) *store.User {
	wu := &store.User{ID: u.ID, Name: u.Name, Role: store.RoleViewer, Cameras: map[string]store.Perm{}}
	for _, c := range cams {
		wu.Cameras[c] = store.Perm{Live: true}
	}
	return wu
}
