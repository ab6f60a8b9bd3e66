package api

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
)

// AuditLog is where the API writes who did what (*store.Store).
type AuditLog interface {
	AddAudit(ctx context.Context, e store.AuditEntry) error
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
	AuditRetention(ctx context.Context) time.Duration
	PruneAudit(ctx context.Context, before time.Time) (int64, error)
}

// auditPruneEvery is how often old audit entries are deleted (on the next entry written).
const auditPruneEvery = time.Hour

// tokenUseEvery is how often one token's use is written: once an hour, not once a request.
const tokenUseEvery = time.Hour

// auditState holds what is written once only: recordings played per login, token use per hour.
type auditState struct {
	mu        sync.Mutex
	seen      map[string]time.Time // dedupe key → when written
	lastPrune time.Time
}

// audit writes an entry for the request's principal p (nil: no one logged in) from its client address.
// Entries carry names, addresses, camera ids and short fixed details only: never a password, token,
// cookie or camera URL.
func (s *Server) audit(r *http.Request, p *auth.Principal, action, camera, detail string) {
	if s.opt.Audit == nil {
		return
	}
	e := store.AuditEntry{At: time.Now(), Addr: s.clientAddr(r), Action: action, Camera: camera, Detail: detail}
	if p != nil {
		e.User = p.User.Name
	}
	ctx := context.WithoutCancel(r.Context()) // a live view's stop is written after its request ended
	if err := s.opt.Audit.AddAudit(ctx, e); err != nil {
		s.log.Warn("cannot write the audit log", "action", action, "err", err)
	}
	s.auditMu.mu.Lock()
	prune := time.Since(s.auditMu.lastPrune) > auditPruneEvery
	if prune {
		s.auditMu.lastPrune = time.Now()
	}
	s.auditMu.mu.Unlock()
	if prune {
		keep := s.opt.Audit.AuditRetention(ctx)
		if _, err := s.opt.Audit.PruneAudit(ctx, time.Now().Add(-keep)); err != nil {
			s.log.Warn("cannot prune the audit log", "err", err)
		}
	}
}

// auditOnce writes the entry unless key was written within every (0: ever, for this process).
func (s *Server) auditOnce(r *http.Request, p *auth.Principal, key string, every time.Duration, action, camera, detail string) {
	st := &s.auditMu
	st.mu.Lock()
	if st.seen == nil || len(st.seen) > 100000 { // bounded: forgetting only means one more entry
		st.seen = map[string]time.Time{}
	}
	at, done := st.seen[key]
	if done && (every == 0 || time.Since(at) < every) {
		st.mu.Unlock()
		return
	}
	st.seen[key] = time.Now()
	st.mu.Unlock()
	s.audit(r, p, action, camera, detail)
}

// auditPlay records that p played recording rec of camera: once per recording per login, however many
// segments and playlist reloads follow.
func (s *Server) auditPlay(r *http.Request, rec *store.Recording) {
	p := principal(r)
	if p == nil {
		return
	}
	s.auditOnce(r, p, "play|"+p.Credential()+"|"+strconv.FormatInt(rec.ID, 10), 0,
		store.AuditRecordingPlay, rec.CameraID, "recording "+strconv.FormatInt(rec.ID, 10))
}

// listAudit is GET /api/audit?since=&until=&user=&camera=&action=&limit= (administrators).
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	if s.opt.Audit == nil {
		writeError(w, http.StatusNotImplemented, "this server keeps no audit log")
		return
	}
	q := r.URL.Query()
	f := store.AuditFilter{User: q.Get("user"), Camera: q.Get("camera"), Action: q.Get("action")}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(t.name); v != "" {
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, t.name+" must be a time like 2026-11-25T12:00:00Z")
				return
			}
			*t.dst = tm
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			writeError(w, http.StatusBadRequest, "limit must be a positive number")
			return
		}
		f.Limit = n
	}
	list, err := s.opt.Audit.ListAudit(r.Context(), f)
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}
