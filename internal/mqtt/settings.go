// Package mqtt publishes nvr's events, motion, object counts and camera states to an MQTT broker
// (eclipse/paho.golang autopaho, MQTT 5, reconnecting), takes ON/OFF commands for a camera's
// recording, detection, motion and enabled switches, and announces every camera to Home Assistant
// by MQTT discovery. It can also host a small broker in-process (see Broker).
package mqtt

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// SettingsKey is where the settings are stored (store.Setting).
const SettingsKey = "mqtt"

// Settings configure the MQTT connection. Password is write-only: it is stored, never shown.
type Settings struct {
	Enabled  bool   `json:"enabled"`
	URL      string `json:"url"` // mqtt://host:1883, mqtts://host:8883 (or tls://), ws://, wss://
	User     string `json:"user"`
	Password string `json:"password,omitempty"`
	// TLS forces TLS on an mqtt:// URL; TLSInsecure skips the broker certificate's check.
	TLS         bool   `json:"tls"`
	TLSInsecure bool   `json:"tls_insecure"`
	Prefix      string `json:"topic_prefix"` // default "nvr"
	ClientID    string `json:"client_id"`    // default "nvr-<prefix>"
	// Discovery turns Home Assistant MQTT discovery on; DiscoveryPrefix is its topic root.
	Discovery       bool   `json:"discovery"`
	DiscoveryPrefix string `json:"discovery_prefix"` // default "homeassistant"
}

// DefaultSettings are the settings before any are saved: off, discovery on once enabled.
func DefaultSettings() Settings {
	return Settings{Prefix: "nvr", Discovery: true, DiscoveryPrefix: "homeassistant"}
}

// settingsIn is the body of PUT /api/settings/mqtt: absent fields keep their value, password
// absent keeps the stored one and "" clears it.
type settingsIn struct {
	Enabled         *bool   `json:"enabled"`
	URL             *string `json:"url"`
	User            *string `json:"user"`
	Password        *string `json:"password"`
	TLS             *bool   `json:"tls"`
	TLSInsecure     *bool   `json:"tls_insecure"`
	Prefix          *string `json:"topic_prefix"`
	ClientID        *string `json:"client_id"`
	Discovery       *bool   `json:"discovery"`
	DiscoveryPrefix *string `json:"discovery_prefix"`
}

// Merge applies a PUT body (JSON) to s and checks the result.
func (s Settings) Merge(body []byte) (Settings, error) {
	var in settingsIn
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return s, fmt.Errorf("the MQTT settings are not valid JSON of the expected shape: %v", err)
	}
	setB := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setS := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	setB(&s.Enabled, in.Enabled)
	setS(&s.URL, in.URL)
	setS(&s.User, in.User)
	if in.Password != nil {
		s.Password = *in.Password
	}
	setB(&s.TLS, in.TLS)
	setB(&s.TLSInsecure, in.TLSInsecure)
	setS(&s.Prefix, in.Prefix)
	setS(&s.ClientID, in.ClientID)
	setB(&s.Discovery, in.Discovery)
	setS(&s.DiscoveryPrefix, in.DiscoveryPrefix)
	return s, s.Validate()
}

// Validate says, in one sentence, what is wrong with the settings.
func (s Settings) Validate() error {
	if s.URL != "" || s.Enabled {
		if _, err := s.brokerURL(); err != nil {
			return err
		}
	}
	for name, p := range map[string]string{"topic prefix": s.prefix(), "discovery prefix": s.discoveryPrefix()} {
		if strings.ContainsAny(p, "#+\x00") || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
			return fmt.Errorf("the MQTT %s %q may not contain # or + or empty levels", name, p)
		}
	}
	if len(s.ClientID) > 128 || strings.ContainsAny(s.ClientID, "\x00/#+") {
		return errors.New("the MQTT client id must be at most 128 characters without / # +")
	}
	return nil
}

// brokerURL is the parsed broker URL (the scheme switched to TLS when TLS is set).
func (s Settings) brokerURL() (*url.URL, error) {
	if s.URL == "" {
		return nil, errors.New("the MQTT broker URL is missing (for example mqtt://192.168.1.10:1883)")
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("the MQTT broker URL %q is not a URL like mqtt://host:1883", s.URL)
	}
	switch u.Scheme {
	case "mqtt", "tcp":
		u.Scheme = "mqtt"
		if s.TLS {
			u.Scheme = "mqtts"
		}
	case "mqtts", "tls", "ssl", "ws", "wss":
	default:
		return nil, fmt.Errorf("the MQTT broker URL %q must start with mqtt://, mqtts://, ws:// or wss://", s.URL)
	}
	if u.Port() == "" {
		port := map[string]string{"mqtt": "1883", "mqtts": "8883", "tls": "8883", "ssl": "8883", "ws": "80", "wss": "443"}[u.Scheme]
		u.Host += ":" + port
	}
	return u, nil
}

func (s Settings) prefix() string {
	if s.Prefix == "" {
		return "nvr"
	}
	return s.Prefix
}

func (s Settings) discoveryPrefix() string {
	if s.DiscoveryPrefix == "" {
		return "homeassistant"
	}
	return s.DiscoveryPrefix
}

func (s Settings) clientID() string {
	if s.ClientID == "" {
		return "nvr-" + strings.ReplaceAll(s.prefix(), "/", "-")
	}
	return s.ClientID
}

// View is the settings as GET /api/settings/mqtt shows them: no password, whether one is set,
// and the connection's state.
type View struct {
	Settings
	PasswordSet bool   `json:"password_set"`
	Connected   bool   `json:"connected"`
	LastError   string `json:"last_error"`
	Published   int64  `json:"published"`
	Dropped     int64  `json:"dropped"`
}
