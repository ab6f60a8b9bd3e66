package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
)

type ctxKey struct{}

// principal returns the request's authenticated user (nil on public routes).
func principal(r *http.Request) *auth.Principal {
	p, _ := r.Context().Value(ctxKey{}).(*auth.Principal)
	return p
}

// guard is the one permission check every route goes through.
func (s *Server) guard(rt Route) http.HandlerFunc {
	stream := streamRoutes[rt.Method+" "+rt.Pattern]
	return func(w http.ResponseWriter, r *http.Request) {
		if stream {
			w = s.streaming(w)
		}
		if rt.Access == Public {
			rt.Handler(w, r)
			return
		}
		if s.opt.Auth.NeedsSetup(r.Context()) {
			writeError(w, http.StatusServiceUnavailable, "nvr is not set up yet: open the setup link that nvrd start printed, or run nvrd user add on the server")
			return
		}
		p, viaURL, err := s.wallAuthenticate(r, rt.Method+" "+rt.Pattern)
		if !viaURL {
			p, err = s.opt.Auth.Authenticate(r)
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="nvr"`)
			writeError(w, http.StatusUnauthorized, err.Error())
			return
		}
		if p.Wall() && !wallRoutes[rt.Method+" "+rt.Pattern] {
			writeError(w, http.StatusForbidden, "a wall token may only show live video of its cameras")
			return
		}
		if p.ViaCookie && !sameOrigin(r) {
			writeError(w, http.StatusForbidden, "requests with a session cookie must come from this server's own pages")
			return
		}
		if !p.CheckCSRF(r) {
			writeError(w, http.StatusForbidden, "missing or wrong X-CSRF-Token header (reload the page)")
			return
		}
		if !p.ViaCookie {
			s.auditOnce(r, p, "token|"+p.Credential(), tokenUseEvery, store.AuditTokenUse, r.PathValue("id"), r.Method+" "+r.URL.Path)
		}
		switch rt.Access {
		case Admin:
			if !p.Admin() {
				writeError(w, http.StatusForbidden, "only an administrator may do this")
				return
			}
		case UserSelf:
			if !p.Admin() && !strings.EqualFold(r.PathValue("name"), p.User.Name) {
				writeError(w, http.StatusForbidden, "you may change only your own account")
				return
			}
		case RecordingOf, EventOf:
			cam, err := s.ownerCamera(r, rt.Access)
			if err != nil && p.Admin() {
				writeError(w, http.StatusNotFound, "there is no such recording or event")
				return
			}
			if err != nil || !p.Can(cam, auth.NeedRecordings) {
				writeError(w, http.StatusForbidden, "you may not see this camera's recordings and events")
				return
			}
		case CameraLive, CameraRecorded, CameraRecord, CameraPTZ:
			need := auth.NeedLive
			switch rt.Access {
			case CameraRecorded:
				need = auth.NeedRecordings
			case CameraRecord:
				need = auth.NeedRecord
			case CameraPTZ:
				need = auth.NeedPTZ
			}
			if id := r.PathValue("id"); !p.Can(id, need) {
				writeError(w, http.StatusForbidden, "you may not see this camera")
				return
			}
		}
		rt.Handler(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
	}
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token    string `json:"token"`
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	u, err := s.opt.Auth.Setup(r.Context(), in.Token, in.User, in.Password)
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, auth.ErrSetupClosed) {
			code = http.StatusForbidden
		}
		writeError(w, code, err.Error())
		return
	}
	s.log.Info("first administrator created", "user", u.Name)
	writeJSON(w, http.StatusCreated, map[string]string{"user": u.Name, "role": u.Role})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	secret, sess, u, err := s.opt.Auth.Login(r.Context(), s.clientAddr(r), in.User, in.Password)
	if err != nil {
		// The name only when such a user exists: a password typed into the name field is never kept.
		who, detail := "", "unknown user"
		if s.opt.Auth.UserExists(r.Context(), in.User) {
			who, detail = in.User, "wrong password"
		}
		if errors.Is(err, auth.ErrRateLimited) {
			detail = "rate limited"
		}
		s.audit(r, &auth.Principal{User: &store.User{Name: who}}, store.AuditLoginFailed, "", detail)
	} else {
		s.audit(r, &auth.Principal{User: u}, store.AuditLoginOK, "", "")
	}
	switch {
	case errors.Is(err, auth.ErrRateLimited):
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusTooManyRequests, err.Error())
		return
	case errors.Is(err, auth.ErrBadCredentials):
		// Never the typed text itself: a password typed into the user field would land in the log.
		s.log.Warn("failed login", "user_hash", auth.Hash(in.User)[:8], "user_len", len(in.User), "addr", s.clientAddr(r))
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, "cannot open a session: "+err.Error())
		return
	}
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secureRequest(r), Expires: sess.Expires})
	writeJSON(w, http.StatusOK, map[string]any{"user": u.Name, "role": u.Role, "csrf": sess.CSRF, "expires": sess.Expires.UTC().Format(time.RFC3339)})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.opt.Auth.Logout(r)
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secureRequest(r), MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	writeJSON(w, http.StatusOK, map[string]any{"user": p.User.Name, "role": p.User.Role, "csrf": p.CSRF, "cameras": p.User.Cameras})
}

// ownerCamera finds the camera of the recording {rec} or event {ev} in the path.
func (s *Server) ownerCamera(r *http.Request, a Access) (string, error) {
	if a == RecordingOf {
		id, err := strconv.ParseInt(r.PathValue("rec"), 10, 64)
		if err != nil {
			return "", err
		}
		return s.opt.Store.RecordingCamera(r.Context(), id)
	}
	id, err := strconv.ParseInt(r.PathValue("ev"), 10, 64)
	if err != nil {
		return "", err
	}
	ev, err := s.opt.Store.GetEvent(r.Context(), id)
	if err != nil {
		return "", err
	}
	return ev.CameraID, nil
}
