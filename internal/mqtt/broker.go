package mqtt

import (
	"errors"
	"fmt"
	"log/slog"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Broker is the optional in-process MQTT broker (mochi-mqtt/server) for people who have none:
// Home Assistant and nvr both connect to it.
type Broker struct {
	srv  *mochi.Server
	Addr string
}

// StartBroker listens on addr (host:port) and serves MQTT to clients that log in as user/password.
func StartBroker(addr, user, password string, log *slog.Logger) (*Broker, error) {
	if user == "" || password == "" {
		return nil, errors.New("the embedded MQTT broker needs a user and a password (--mqtt-user and NVR_MQTT_PASSWORD)")
	}
	if log == nil {
		log = slog.Default()
	}
	srv := mochi.New(&mochi.Options{Logger: log.With("part", "mqtt broker"), InlineClient: false})
	ledger := &auth.Ledger{
		Auth: auth.AuthRules{{Username: auth.RString(user), Password: auth.RString(password), Allow: true}},
		ACL:  auth.ACLRules{{Username: auth.RString(user)}}, // the user may use every topic
	}
	if err := srv.AddHook(new(auth.Hook), &auth.Options{Ledger: ledger}); err != nil {
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	tcp := listeners.NewTCP(listeners.Config{Type: "tcp", ID: "nvr", Address: addr})
	if err := srv.AddListener(tcp); err != nil {
		return nil, fmt.Errorf("embedded MQTT broker: listen on %s: %w", addr, err)
	}
	if err := srv.Serve(); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	return &Broker{srv: srv, Addr: tcp.Address()}, nil
}

// Close disconnects every client and stops listening.
func (b *Broker) Close() error { return b.srv.Close() }
