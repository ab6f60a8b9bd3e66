package api

import (
	"net/http"

	"github.com/nvrproject/nvr/internal/store"
)

// The /api/settings/{section} names of interface.md beside the older routes the web app uses:
// webhooks (GET lists the rules, PUT replaces the whole set), notifications (the caller's own), tls
// (the certificate's fingerprints; the certificate itself is set on nvrd start's command line).
// Secrets are never answered, except a new webhook rule's generated secret, once.

// putWebhooks replaces the whole webhook rule set (a JSON array; see webhook.ReplaceWebhookRules).
func (s *Server) putWebhooks(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksReady(w) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	v, err := s.opt.Webhooks.ReplaceWebhookRules(r.Context(), body)
	if err != nil {
		integrationError(w, err)
		return
	}
	s.audit(r, principal(r), store.AuditSettings, "", "webhook rules replaced")
	writeJSON(w, http.StatusOK, v)
}

// getNotificationSettings answers the VAPID public key and the caller's own push subscriptions.
func (s *Server) getNotificationSettings(w http.ResponseWriter, r *http.Request) {
	if !s.pushReady(w) {
		return
	}
	v, err := s.opt.Notifications.NotificationSettings(r.Context(), principal(r).User.ID)
	if err != nil {
		integrationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// putNotificationSettings replaces the filters of the caller's subscriptions the body lists.
func (s *Server) putNotificationSettings(w http.ResponseWriter, r *http.Request) {
	if !s.pushReady(w) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	v, err := s.opt.Notifications.SetNotificationSettings(r.Context(), principal(r).User.ID, body)
	if err != nil {
		integrationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// putTLSSettings says where the certificate is set: nvrd does not take keys over HTTP.
func (s *Server) putTLSSettings(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Allow", "GET")
	writeError(w, http.StatusMethodNotAllowed, "the HTTPS certificate is set when nvrd starts, with nvrd start --tls-cert FILE --tls-key FILE (PEM), not over the API")
}
