package api

import (
	"net/http"
	"strconv"
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
