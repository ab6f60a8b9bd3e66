package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/nvrproject/nvr/internal/store"
)

// Webhooks are the webhook rules and their delivery log (*webhook.Service). Bodies are the
// requests' JSON; answers are written back as JSON as they are.
type Webhooks interface {
	WebhookRules(ctx context.Context) (any, error)
	CreateWebhookRule(ctx context.Context, body []byte) (any, error)
	UpdateWebhookRule(ctx context.Context, id string, body []byte) (any, error)
	DeleteWebhookRule(ctx context.Context, id string) error
	WebhookDeliveries(ctx context.Context, webhook string, limit int) (any, error)
	TestWebhook(ctx context.Context, id string) (any, error)
	// ReplaceWebhookRules makes a JSON array of rules the whole rule set, atomically (PUT).
	ReplaceWebhookRules(ctx context.Context, body []byte) (any, error)
}

// Notifications are the browser push subscriptions of each user (*push.Service).
type Notifications interface {
	VAPIDPublicKey(ctx context.Context) (string, error)
	Subscribe(ctx context.Context, userID int64, body []byte) (any, error)
	UpdateSubscription(ctx context.Context, userID int64, id string, body []byte) (any, error)
	Unsubscribe(ctx context.Context, userID int64, id string) error
	Subscriptions(ctx context.Context, userID int64) (any, error)
	// NotificationSettings is the VAPID public key and the user's subscriptions with their filters.
	NotificationSettings(ctx context.Context, userID int64) (any, error)
	// SetNotificationSettings replaces the filters of the user's subscriptions it lists.
	SetNotificationSettings(ctx context.Context, userID int64, body []byte) (any, error)
}

// badInput is an error that is the caller's fault (answered 400); the services' InputError.
type badInput interface{ BadInput() bool }

// integrationError answers a service error: the caller's (400), not found (404), or ours (500).
func integrationError(w http.ResponseWriter, err error) {
	var bi badInput
	switch {
	case errors.As(err, &bi) && bi.BadInput():
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}
