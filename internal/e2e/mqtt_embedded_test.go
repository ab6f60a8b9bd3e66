package e2e

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/nvrproject/nvr/internal/mqtt"
)

// TestMQTTWithEmbeddedBroker: the subscriber test of TestMQTTWithMosquitto passes against the broker
// nvrd can host itself (mochi-mqtt), logged in with its user and password.
func TestMQTTWithEmbeddedBroker(t *testing.T) {
	need(t)
	const user, password = "ha", "embedded secret"
	addr := freeAddr(t)
	b, err := mqtt.StartBroker(addr, user, password, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if _, err := mqtt.StartBroker(freeAddr(t), user, "", nil); err == nil {
		t.Fatal("an embedded broker without a password started")
	}
	sub := subscribe(t, addr, user, password, "#")
	restart := func() {
		_ = b.Close()
		if b, err = mqtt.StartBroker(addr, user, password, nil); err != nil {
			t.Fatal(err)
		}
	}
	runMQTTSubscriberTest(t, addr, user, password, sub, restart, func() *subscriber { return subscribe(t, addr, user, password, "#") })
}

// TestNvrdHostsMQTTBroker: `nvrd start --mqtt-listen` hosts the broker; a client with the user and
// $NVR_MQTT_PASSWORD connects, one with a wrong password is refused, and nvr's own client says online.
func TestNvrdHostsMQTTBroker(t *testing.T) {
	need(t)
	t.Setenv("NVR_MQTT_PASSWORD", "hosted secret")
	addr := freeAddr(t)
	p := startNVRD(t, "--mqtt-listen", addr, "--mqtt-user", "ha")
	if code, out := p.put(t, "/api/settings/mqtt", `{"enabled":true,"url":"mqtt://`+addr+`","user":"ha","password":"hosted secret"}`); code != 200 {
		t.Fatalf("PUT /api/settings/mqtt: HTTP %d %s", code, out)
	}
	sub := subscribe(t, addr, "ha", "hosted secret", "nvr/available")
	sub.waitTopic(0, 20*time.Second, "nvr/available", "online")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cli := paho.NewClient(paho.ClientConfig{Conn: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.Connect(ctx, &paho.Connect{ClientID: "intruder", CleanStart: true, Username: "ha", UsernameFlag: true,
		Password: []byte("wrong"), PasswordFlag: true}); err == nil {
		t.Fatal("the embedded broker accepted a wrong password")
	}
}
