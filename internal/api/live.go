package api

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/internal/store"
)

const (
	wsWriteTimeout = 10 * time.Second
	wsMaxMessage   = 1 << 20 // coalesce queued packets into messages of at most this size
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 64 << 10,
	CheckOrigin:     sameOrigin,
}

// sameOrigin accepts requests without Origin (non-browser clients) and browser requests from this host.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// live streams a camera's MPEG-TS over a WebSocket: binary messages of whole 188-byte packets, starting
// with PAT/PMT and a keyframe.
func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		writeError(w, http.StatusForbidden, "live video may only be opened from this server's own pages")
		return
	}
	c, ok := s.camera(w, r)
	if !ok {
		return
	}
	cam := s.opt.Sup.Camera(c.ID)
	if cam == nil {
		writeError(w, http.StatusServiceUnavailable, "camera "+c.ID+" is not running (disabled or just added)")
		return
	}
	hub, ok := checkLiveStream(w, r, cam)
	if !ok {
		return
	}
	// The socket is tied to the login that opened it, and counted under the per-user cap.
	lease, err := s.opt.Auth.OpenLive(principal(r), c.ID, s.opt.LivePerUserCamera)
	if err != nil {
		writeError(w, http.StatusTooManyRequests, err.Error())
		return
	}
	defer lease.Close()
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader wrote the error
	}
	defer ws.Close()
	s.audit(r, principal(r), store.AuditLiveStart, c.ID, "")
	defer s.audit(r, principal(r), store.AuditLiveStop, c.ID, "")
	ended := watchLease(r.Context(), lease)
	defer ended()
	v := hub.Join()
	defer hub.Leave(v)

	// Reader: the browser sends nothing we need; a read error means the viewer went away.
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		ws.SetReadLimit(4096)
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	defer func() { ws.Close(); <-gone }()

	buf := make([]byte, 0, wsMaxMessage)
	var batch []live.Item
	for {
		var it live.Item
		var open bool
		select {
		case <-gone:
			return
		case <-lease.Done():
			closeRevoked(ws)
			return
		case it, open = <-v.C:
			if !open {
				return // camera stopped
			}
		}
		// What else is queued goes in the same message; a batch alone is written as it is (no copy).
		msg, batch := it.Data, append(batch[:0], it)
	drain:
		for len(msg) < wsMaxMessage {
			select {
			case more, ok := <-v.C:
				if !ok {
					break drain
				}
				if len(batch) == 1 {
					buf = append(buf[:0], it.Data...)
				}
				buf, batch = append(buf, more.Data...), append(batch, more)
				msg = buf
			default:
				break drain
			}
		}
		_ = ws.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
		if err := ws.WriteMessage(websocket.BinaryMessage, msg); err != nil {
			return
		}
		for _, b := range batch {
			v.Done(b)
		}
	}
}
