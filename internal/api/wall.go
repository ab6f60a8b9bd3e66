package api

import (
	"net/http"
	"strconv"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
)

// wallRoutes are all a wall token may use (on its own cameras): the live socket, snapshots, status and
// the push stream (which for a wall token carries only its cameras' live-view status: see wallStatus).
// Only on these is a token accepted in the URL (?token=), because neither the browser's WebSocket nor its
// EventSource can send an Authorization header; the token is taken out of the URL before any handler,
// log or audit sees it.
var wallRoutes = map[string]bool{
	"GET /api/cameras/{id}/live":         true,
	"GET /api/cameras/{id}/snapshot.jpg": true,
	"GET /api/cameras/{id}/status":       true,
	"GET /api/stream":                    true,
}

// wallStatus is the camera status as a wall token sees it: only what a live tile needs to play and to
// say "connecting", "reconnecting" or "disabled" (no recording, analysis, process or traffic figures).
type wallStatus struct {
	State     string         `json:"state"`
	Codec     string         `json:"codec"`
	Audio     string         `json:"audio"`
	Width     int            `json:"width"`
	Height    int            `json:"height"`
	Substream *wallSubstream `json:"substream,omitempty"`
}

// wallSubstream is the substream's state alone (a failed one makes the tile play the main stream).
type wallSubstream struct {
	State string `json:"state"`
}

func wallStatusOf(st cameraStatus) wallStatus {
	out := wallStatus{State: st.State, Codec: st.Codec, Audio: st.Audio, Width: st.Width, Height: st.Height}
	if st.Substream != nil {
		out.Substream = &wallSubstream{State: st.Substream.State}
	}
	return out
}

// wallAuthenticate authenticates a request to a wall route that carries ?token= and no Authorization
// header; ok is false when the request has no such token (authenticate it the usual way).
func (s *Server) wallAuthenticate(r *http.Request, key string) (p *auth.Principal, ok bool, err error) {
	if !wallRoutes[key] || r.Header.Get("Authorization") != "" || !r.URL.Query().Has("token") {
		return nil, false, nil
	}
	q := r.URL.Query()
	tok := q.Get("token")
	q.Del("token")
	r.URL.RawQuery = q.Encode() // nothing after this point sees the secret
	r.RequestURI = r.URL.RequestURI()
	p, err = s.opt.Auth.AuthenticateWall(r, tok)
	return p, true, err
}

// createWallToken makes a wall token of the calling administrator limited to live view of cameras.
func (s *Server) createWallToken(w http.ResponseWriter, r *http.Request, name string, cameras []string) {
	p := principal(r)
	if !p.Admin() {
		writeError(w, http.StatusForbidden, "only an administrator may make wall tokens")
		return
	}
	id, secret, err := s.opt.Auth.NewWallTokenFor(r.Context(), p.User.ID, name, cameras)
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
	s.log.Info("wall token created", "id", id, "cameras", cameras, "by", p.User.Name)
	s.audit(r, p, store.AuditUser, "", "wall token "+strconv.Quote(t.Name)+" created")
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
}
