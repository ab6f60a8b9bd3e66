package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestMQTTDiscoveryLinksToCameraPage: the Home Assistant device of a camera links to the camera's page
// in the web app on nvrd's public address: the listen address by default, --public-url when given.
func TestMQTTDiscoveryLinksToCameraPage(t *testing.T) {
	need(t)
	t.Setenv("NVR_MQTT_PASSWORD", "hosted secret")
	for _, c := range []struct{ name, flag string }{{"listen address", ""}, {"public url", "https://nvr.example.org:8443/"}} {
		t.Run(c.name, func(t *testing.T) {
			addr := freeAddr(t)
			args := []string{"--mqtt-listen", addr}
			if c.flag != "" {
				args = append(args, "--public-url", c.flag)
			}
			p := startNVRD(t, args...)
			if _, errOut, err := p.cli(t, "camera", "add", "--name", "Gate", "--url", "rtsp://127.0.0.1:9/none", "--record", "off"); err != nil {
				t.Fatalf("camera add: %v %s", err, errOut)
			}
			if code, out := p.put(t, "/api/settings/mqtt", `{"enabled":true,"url":"mqtt://`+addr+`","user":"nvr","password":"hosted secret"}`); code != 200 {
				t.Fatalf("PUT /api/settings/mqtt: HTTP %d %s", code, out)
			}
			sub := subscribe(t, addr, "nvr", "hosted secret", "homeassistant/+/+/motion/config")
			m, _ := sub.wait(0, 30*time.Second, "the motion sensor's discovery config", func(m mqttMsg) bool { return len(m.Payload) > 0 })
			var cfg struct {
				Device struct {
					ConfigurationURL string `json:"configuration_url"`
				} `json:"device"`
			}
			if err := json.Unmarshal(m.Payload, &cfg); err != nil {
				t.Fatal(err)
			}
			want := p.url + "/#/camera/gate"
			if c.flag != "" {
				want = strings.TrimSuffix(c.flag, "/") + "/#/camera/gate"
			}
			if cfg.Device.ConfigurationURL != want {
				t.Errorf("configuration_url %q, want %q (%s)", cfg.Device.ConfigurationURL, want, m.Payload)
			}
		})
	}
}
