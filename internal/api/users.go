package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
)

// userOut is a user as the API shows it: never password material.
type userOut struct {
	Name    string                `json:"name"`
	Role    string                `json:"role"`
	Cameras map[string]store.Perm `json:"cameras"` // camera id → permission (viewers; {} for admins)
}

func showUser(u *store.User) userOut {
	out := userOut{Name: u.Name, Role: u.Role, Cameras: u.Cameras}
	if out.Cameras == nil {
		out.Cameras = map[string]store.Perm{}
	}
	return out
}

// userError maps a store error of a user change: a missing user is 404, the last administrator 409,
// anything else the person sent 400.
func userError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrLastAdmin), errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	default:
		writeError(w, http.StatusBadRequest, err.Error())
	}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.opt.Users.Users(r.Context())
	if err != nil {
		storeError(w, err)
		return
	}
	out := make([]userOut, 0, len(us))
	for _, u := range us {
		out = append(out, showUser(u))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string                `json:"name"`
		Role     string                `json:"role"`
		Password string                `json:"password"`
		Cameras  map[string]store.Perm `json:"cameras"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Role == "" {
		in.Role = store.RoleViewer
	}
	if err := store.ValidateUserName(in.Name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if in.Role != store.RoleAdmin && in.Role != store.RoleViewer {
		writeError(w, http.StatusBadRequest, `role must be "admin" or "viewer", not "`+in.Role+`"`)
		return
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	u := &store.User{Name: in.Name, Role: in.Role, PasswordHash: hash, Cameras: in.Cameras}
	if err := s.opt.Users.CreateUser(r.Context(), u); err != nil {
		if errors.Is(err, store.ErrNotFound) { // a permission on a camera that does not exist
			writeError(w, http.StatusBadRequest, "a permission names a camera that does not exist ("+strings.TrimSuffix(err.Error(), ": not found")+")")
			return
		}
		userError(w, err)
		return
	}
	s.log.Info("user created", "user", u.Name, "role", u.Role, "by", principal(r).User.Name)
	s.audit(r, principal(r), store.AuditUser, "", "user "+u.Name+" added ("+u.Role+")")
	writeJSON(w, http.StatusCreated, showUser(u))
}

// patchUser changes a user. Administrators change anything of anyone; every user may change their own
// password, giving the current one.
func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Role            *string                `json:"role"`
		Password        *string                `json:"password"`
		CurrentPassword *string                `json:"current_password"`
		Cameras         *map[string]store.Perm `json:"cameras"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	p := principal(r)
	name := r.PathValue("name")
	self := strings.EqualFold(name, p.User.Name)
	if !p.Admin() && (in.Role != nil || in.Cameras != nil) {
		writeError(w, http.StatusForbidden, "only an administrator may change roles and camera permissions")
		return
	}
	if in.Role == nil && in.Cameras == nil && in.Password == nil {
		writeError(w, http.StatusBadRequest, "nothing to change: send role, cameras or password")
		return
	}
	ch := store.UserChange{Role: in.Role, Cameras: in.Cameras}
	if in.Password != nil {
		if self {
			cur := ""
			if in.CurrentPassword != nil {
				cur = *in.CurrentPassword
			}
			if err := s.opt.Auth.CheckCurrentPassword(s.clientAddr(r), p.User, cur); err != nil {
				code := http.StatusForbidden
				if errors.Is(err, auth.ErrRateLimited) {
					w.Header().Set("Retry-After", "60")
					code = http.StatusTooManyRequests
				}
				writeError(w, code, err.Error())
				return
			}
			ch.KeepSession = p.SessionHash() // this page stays logged in; other sessions end
		}
		hash, err := auth.HashPassword(*in.Password)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		ch.PasswordHash = &hash
	} else if in.CurrentPassword != nil {
		writeError(w, http.StatusBadRequest, "current_password was sent without a new password")
		return
	}
	u, err := s.opt.Users.UpdateUser(r.Context(), name, ch)
	if err != nil {
		userError(w, err)
		return
	}
	// Live sockets and push streams that lost their permission or session end now.
	s.opt.Auth.Recheck(r.Context(), u.ID)
	s.log.Info("user changed", "user", u.Name, "role", u.Role, "password", in.Password != nil, "by", p.User.Name)
	s.audit(r, p, store.AuditUser, "", userChangeDetail(u.Name, self, in.Role != nil, in.Cameras != nil, in.Password != nil))
	writeJSON(w, http.StatusOK, showUser(u))
}

// userChangeDetail is the audit log's words for a change of user name: never the password itself.
func userChangeDetail(name string, self, role, cameras, password bool) string {
	var what []string
	if role {
		what = append(what, "role")
	}
	if cameras {
		what = append(what, "camera permissions")
	}
	switch {
	case password && self:
		what = append(what, "own password changed")
	case password:
		what = append(what, "password reset")
	}
	return "user " + name + ": " + strings.Join(what, ", ")
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, err := s.opt.Users.RemoveUser(r.Context(), r.PathValue("name"))
	if err != nil {
		userError(w, err)
		return
	}
	s.opt.Auth.Recheck(r.Context(), id)
	s.log.Info("user removed", "user", r.PathValue("name"), "by", principal(r).User.Name)
	s.audit(r, principal(r), store.AuditUser, "", "user "+r.PathValue("name")+" removed")
	w.WriteHeader(http.StatusNoContent)
}

// tokenOut is a token as listed; Token (the secret) is set only in the answer that created it.
type tokenOut struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	User    string   `json:"user"`
	Created string   `json:"created"`
	Kind    string   `json:"kind"`              // "api" or "wall"
	Cameras []string `json:"cameras,omitempty"` // a wall token's cameras
	Token   string   `json:"token,omitempty"`
}

func showToken(t store.Token) tokenOut {
	kind := t.Kind
	if kind == "" {
		kind = store.TokenAPI
	}
	return tokenOut{ID: strconv.FormatInt(t.ID, 10), Name: t.Name, User: t.User, Created: t.Created.UTC().Format(time.RFC3339), Kind: kind, Cameras: t.Cameras}
}

// listTokens lists every token for administrators, a user's own for everyone else.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	var of int64
	if !p.Admin() {
		of = p.User.ID
	}
	ts, err := s.opt.Users.Tokens(r.Context(), of)
	if err != nil {
		storeError(w, err)
		return
	}
	out := make([]tokenOut, 0, len(ts))
	for _, t := range ts {
		out = append(out, showToken(t))
	}
	writeJSON(w, http.StatusOK, out)
}

// createToken makes a token for the caller, or (administrators) for any user, e.g. a wall display's.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name    string   `json:"name"`
		User    string   `json:"user"`
		Kind    string   `json:"kind"`
		Cameras []string `json:"cameras"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	p := principal(r)
	if strings.TrimSpace(in.Name) == "" {
		writeError(w, http.StatusBadRequest, "give the token a name (what uses it), so it can be told apart when revoking it")
		return
	}
	switch in.Kind {
	case "", store.TokenAPI:
	case store.TokenWall:
		s.createWallToken(w, r, in.Name, in.Cameras)
		return
	default:
		writeError(w, http.StatusBadRequest, "kind "+strconv.Quote(in.Kind)+" is not api or wall")
		return
	}
	u := p.User
	if in.User != "" && !strings.EqualFold(in.User, p.User.Name) {
		if !p.Admin() {
			writeError(w, http.StatusForbidden, "only an administrator may make tokens for other users")
			return
		}
		var err error
		if u, err = s.opt.Users.UserByName(r.Context(), in.User); err != nil {
			writeError(w, http.StatusBadRequest, "there is no user named "+strconv.Quote(in.User))
			return
		}
	}
	id, secret, err := s.opt.Auth.NewTokenFor(r.Context(), u.ID, in.Name)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	t, err := s.opt.Users.TokenByID(r.Context(), id)
	if err != nil {
		storeError(w, err)
		return
	}
	out := showToken(*t)
	out.Token = secret
	s.log.Info("token created", "id", id, "user", u.Name, "by", p.User.Name)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
}

// deleteToken revokes a token; users may revoke their own, administrators any.
func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	id, err := strconv.ParseInt(r.PathValue("tok"), 10, 64)
	notFound := func() { writeError(w, http.StatusNotFound, "there is no token "+strconv.Quote(r.PathValue("tok"))) }
	if err != nil || id <= 0 {
		notFound()
		return
	}
	t, err := s.opt.Users.TokenByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !p.Admin() && t.UserID != p.User.ID {
		notFound() // another user's token is as unknown as one that does not exist
		return
	}
	if err != nil {
		storeError(w, err)
		return
	}
	if err := s.opt.Users.RevokeTokenByID(r.Context(), id); err != nil {
		storeError(w, err)
		return
	}
	s.opt.Auth.Recheck(r.Context(), t.UserID) // its live sockets and streams end now
	s.log.Info("token revoked", "id", id, "user", t.User, "by", p.User.Name)
	w.WriteHeader(http.StatusNoContent)
}

// listGroups returns the camera groups; a viewer sees only the cameras they may see, and no group
// that holds none of them.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	gs, err := s.opt.Users.Groups(r.Context())
	if err != nil {
		storeError(w, err)
		return
	}
	p := principal(r)
	if p.Admin() {
		writeJSON(w, http.StatusOK, gs)
		return
	}
	out := []store.Group{}
	for _, g := range gs {
		v := store.Group{Name: g.Name, Cameras: []string{}}
		for _, c := range g.Cameras {
			if p.Can(c, auth.NeedLive) || p.Can(c, auth.NeedRecordings) {
				v.Cameras = append(v.Cameras, c)
			}
		}
		if len(v.Cameras) > 0 {
			out = append(out, v)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// putGroups replaces every group (all or nothing).
func (s *Server) putGroups(w http.ResponseWriter, r *http.Request) {
	var gs []store.Group
	if !decodeBody(w, r, &gs) {
		return
	}
	if gs == nil {
		gs = []store.Group{}
	}
	for i := range gs {
		if gs[i].Cameras == nil {
			gs[i].Cameras = []string{}
		}
	}
	if err := s.opt.Users.SetGroups(r.Context(), gs); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, gs)
}
