package auth

import (
	"context"
	"maps"

	"github.com/nvrproject/nvr/internal/store"
)

// OpenStream ties a push stream (GET /api/stream) to the credential that opened it, the way OpenLive
// ties a live socket: Done closes when that credential is logged out or revoked, its user removed, or
// the user's role or camera permissions changed at all (the stream's filter was computed from them; the
// page reconnects and gets a stream filtered by the new ones). Streams are not capped. Close it when the
// stream ends.
func (s *Service) OpenStream(p *Principal) *Live {
	k := liveKey{user: p.User.ID, camera: ""}
	l := &Live{svc: s, key: k, cred: p.credHash, done: make(chan struct{}),
		stream: &streamGrant{role: p.User.Role, perms: maps.Clone(p.User.Cameras)}}
	r := &s.lives
	r.mu.Lock()
	defer r.mu.Unlock()
	set := r.byKey[k]
	if set == nil {
		set = map[*Live]bool{}
		r.byKey[k] = set
	}
	set[l] = true
	return l
}

// streamGrant is what a push stream's filter was computed from.
type streamGrant struct {
	role  string
	perms map[string]store.Perm
}

// still reports whether u still has exactly the grant.
func (g *streamGrant) still(u *store.User) bool {
	return u.Role == g.role && maps.Equal(u.Cameras, g.perms)
}

// Recheck checks every live socket and push stream of a user now instead of at the next periodic check,
// ending those whose credential or permission is gone. The API calls it after changing or removing a
// user, a permission or a token, so their sockets close at once.
func (s *Service) Recheck(ctx context.Context, userID int64) {
	r := &s.lives
	r.mu.Lock()
	var mine []*Live
	for k, set := range r.byKey {
		if k.user != userID {
			continue
		}
		for l := range set {
			mine = append(mine, l)
		}
	}
	r.mu.Unlock()
	for _, l := range mine {
		if err := s.stillLive(ctx, l); err != nil {
			l.end()
		}
	}
}
