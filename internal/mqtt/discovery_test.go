package mqtt

import (
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
)

// TestDiscoveryConfigurationURL: every entity's device links to the camera's page in the web app,
// #/camera/{id} on nvrd's public address; without a known address the field is left out.
func TestDiscoveryConfigurationURL(t *testing.T) {
	cam := &store.Camera{ID: "yard", Name: "Yard", CameraSettings: store.DefaultSettings()}
	r := newRun(New(Options{BaseURL: "https://nvr.example.org:8443/"}), DefaultSettings())
	cfgs := r.discovery(cam)
	if len(cfgs) == 0 {
		t.Fatal("no discovery configs")
	}
	for topic, c := range cfgs {
		if c.Device.ConfigurationURL != "https://nvr.example.org:8443/#/camera/yard" {
			t.Errorf("%s: configuration_url %q, want https://nvr.example.org:8443/#/camera/yard", topic, c.Device.ConfigurationURL)
		}
	}
	r = newRun(New(Options{}), DefaultSettings())
	for topic, c := range r.discovery(cam) {
		if c.Device.ConfigurationURL != "" || !strings.HasPrefix(topic, "homeassistant/") {
			t.Errorf("%s: configuration_url %q without a public address", topic, c.Device.ConfigurationURL)
		}
	}
}
