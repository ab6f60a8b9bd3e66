package app

import (
	"strings"

	"github.com/nvrproject/nvr/internal/push"
	"github.com/nvrproject/nvr/internal/webhook"
)

// newIntegrations builds the webhook sender and the browser push sender on the app's store and event
// engine (the same subscription MQTT uses).
func newIntegrations(a *App, opt Options) (*webhook.Service, *push.Service) {
	wh := webhook.New(webhook.Options{Store: a.Store, Events: a.Events, Log: opt.Log})
	contact := ""
	if strings.HasPrefix(opt.PublicURL, "https://") {
		contact = opt.PublicURL // VAPID's sub: an https URL of whoever runs this nvr
	}
	return wh, push.New(push.Options{Store: a.Store, Events: a.Events, Log: opt.Log, Contact: contact})
}
