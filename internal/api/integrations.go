package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/nvrproject/nvr/internal/store"
)

// readBody reads a JSON request body whole (at most maxBody), writing the error itself.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "the request body is too large")
		} else {
			writeError(w, http.StatusBadRequest, "the request body could not be read")
		}
		return nil, false
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	return body, true
}

func (s *Server) webhooksReady(w http.ResponseWriter) bool {
	if s.opt.Webhooks == nil {
		writeError(w, http.StatusServiceUnavailable, "webhooks are not available in this server")
		return false
	}
	return true
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksReady(w) {
		return
	}
	v, err := s.opt.Webhooks.WebhookRules(r.Context())
	if err != nil {
		integrationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksReady(w) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	v, err := s.opt.Webhooks.CreateWebhookRule(r.Context(), body)
	if err != nil {
		integrationError(w, err)
		return
	}
	s.audit(r, principal(r), store.AuditSettings, "", "webhook created")
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) patchWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksReady(w) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	v, err := s.opt.Webhooks.UpdateWebhookRule(r.Context(), r.PathValue("hook"), body)
	if err != nil {
		integrationError(w, err)
		return
	}
	s.audit(r, principal(r), store.AuditSettings, "", "webhook "+r.PathValue("hook")+" changed")
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksReady(w) {
		return
	}
	if err := s.opt.Webhooks.DeleteWebhookRule(r.Context(), r.PathValue("hook")); err != nil {
		integrationError(w, err)
		return
	}
	s.audit(r, principal(r), store.AuditSettings, "", "webhook "+r.PathValue("hook")+" deleted")
	w.WriteHeader(http.StatusNoContent)
}

// webhookLog is the delivery log: ?webhook=ID for one rule's, ?limit=N (at most 200).
func (s *Server) webhookLog(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksReady(w) {
		return
	}
	limit := 0
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit must be a positive whole number")
			return
		}
		limit = n
	}
	v, err := s.opt.Webhooks.WebhookDeliveries(r.Context(), r.URL.Query().Get("webhook"), limit)
	if err != nil {
		integrationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksReady(w) {
		return
	}
	v, err := s.opt.Webhooks.TestWebhook(r.Context(), r.PathValue("hook"))
	if err != nil {
		integrationError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, v)
}

func (s *Server) pushReady(w http.ResponseWriter) bool {
	if s.opt.Notifications == nil {
		writeError(w, http.StatusServiceUnavailable, "browser notifications are not available in this server")
		return false
	}
	return true
}

func (s *Server) vapidKey(w http.ResponseWriter, r *http.Request) {
	if !s.pushReady(w) {
		return
	}
	k, err := s.opt.Notifications.VAPIDPublicKey(r.Context())
	if err != nil {
		integrationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"public_key": k})
}

func (s *Server) listPushSubscriptions(w http.ResponseWriter, r *http.Request) {
	if !s.pushReady(w) {
		return
	}
	v, err := s.opt.Notifications.Subscriptions(r.Context(), principal(r).User.ID)
	if err != nil {
		integrationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) createPushSubscription(w http.ResponseWriter, r *http.Request) {
	if !s.pushReady(w) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	v, err := s.opt.Notifications.Subscribe(r.Context(), principal(r).User.ID, body)
	if err != nil {
		integrationError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) patchPushSubscription(w http.ResponseWriter, r *http.Request) {
	if !s.pushReady(w) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	v, err := s.opt.Notifications.UpdateSubscription(r.Context(), principal(r).User.ID, r.PathValue("sub"), body)
	if err != nil {
		integrationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) deletePushSubscription(w http.ResponseWriter, r *http.Request) {
	if !s.pushReady(w) {
		return
	}
	if err := s.opt.Notifications.Unsubscribe(r.Context(), principal(r).User.ID, r.PathValue("sub")); err != nil {
		integrationError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
