package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
)

// listSessions is GET /api/sessions: the caller's own open sessions.
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	list, err := s.opt.Auth.Sessions(r.Context(), principal(r))
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// deleteSession is DELETE /api/sessions/{id}: end one of the caller's own sessions.
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "a session id is a number, as GET /api/sessions lists them")
		return
	}
	if err := s.opt.Auth.EndSession(r.Context(), principal(r), id); err != nil {
		storeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// changePassword is POST /api/me/password {"current","new"}: the caller's password; their other
// sessions end.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Current == "" || in.New == "" {
		writeError(w, http.StatusBadRequest, `give the current password and the new one: {"current":"…","new":"…"}`)
		return
	}
	err := s.opt.Auth.ChangePassword(r.Context(), principal(r), in.Current, in.New)
	switch {
	case errors.Is(err, auth.ErrWrongPassword):
		writeError(w, http.StatusForbidden, err.Error())
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.audit(r, principal(r), store.AuditUser, "", "password changed")
		w.WriteHeader(http.StatusNoContent)
	}
}
