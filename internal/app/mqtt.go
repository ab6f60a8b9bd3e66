package app

import (
	"github.com/nvrproject/nvr/internal/mqtt"
)

// newMQTT builds the MQTT integration on the app's store, event engine and supervisor.
func newMQTT(a *App, opt Options) *mqtt.Service {
	return mqtt.New(mqtt.Options{Store: a.Store, Events: a.Events, Version: opt.Version, Log: opt.Log, BaseURL: opt.PublicURL,
		Changed: a.Sup.Changed,
		State: func(id string) string {
			if c := a.Sup.Camera(id); c != nil {
				return c.Status().State
			}
			return ""
		}})
}
