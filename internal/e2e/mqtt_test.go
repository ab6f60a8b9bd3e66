package e2e

import (
	"encoding/json"
	"math/rand"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// mqttEvent is the payload of nvr/events.
type mqttEvent struct {
	Type   string `json:"type"`
	Before *struct {
		ID string `json:"id"`
	} `json:"before"`
	After struct {
		ID          string  `json:"id"`
		Camera      string  `json:"camera"`
		Kind        string  `json:"kind"`
		Score       float64 `json:"score"`
		Start       string  `json:"start"`
		End         *string `json:"end"`
		HasSnapshot bool    `json:"has_snapshot"`
	} `json:"after"`
}

func parseEvent(m mqttMsg) (mqttEvent, bool) {
	var e mqttEvent
	if m.Topic != "nvr/events" || json.Unmarshal(m.Payload, &e) != nil {
		return e, false
	}
	return e, true
}

// haConfigOut is the part of a Home Assistant discovery config the test checks.
type haConfigOut struct {
	Name         string `json:"name"`
	UniqueID     string `json:"unique_id"`
	StateTopic   string `json:"state_topic"`
	CommandTopic string `json:"command_topic"`
	Topic        string `json:"topic"`
	DeviceClass  string `json:"device_class"`
	Availability []struct {
		Topic string `json:"topic"`
	} `json:"availability"`
	Device struct {
		Identifiers []string `json:"identifiers"`
		Name        string   `json:"name"`
		Model       string   `json:"model"`
	} `json:"device"`
}

// TestMQTTWithMosquitto: against Debian's mosquitto (with a password), nvr announces the camera to Home
// Assistant (retained configs that parse), a moving object publishes the event's new/update/end and
// motion ON/OFF and a retained snapshot, recording/set OFF stops recording and echoes the state, a
// broker that is stopped and started again is reconnected and later events arrive, and a deleted
// camera's discovery configs are removed.
func TestMQTTWithMosquitto(t *testing.T) {
	need(t)
	broker := startMosquitto(t, "nvr", "broker secret")
	sub := subscribe(t, broker.addr, "nvr", "broker secret", "#")
	runMQTTSubscriberTest(t, broker.addr, "nvr", "broker secret", sub, func() { broker.stop(); broker.start() },
		func() *subscriber { return subscribe(t, broker.addr, "nvr", "broker secret", "#") })
}

// runMQTTSubscriberTest is the subscriber test shared by the brokers. restart stops and starts the
// broker; resubscribe connects a new subscriber after that.
func runMQTTSubscriberTest(t *testing.T, addr, user, password string, sub *subscriber, restart func(), resubscribe func() *subscriber) {
	const w, h, fps = 320, 180, 10
	bg := background(rand.New(rand.NewSource(2)))
	// 50 s clip: an object moves and grows from 8 s to 18 s (a growing peak score: the open event is
	// updated, at most every 5 s).
	moving := encodeScene(t, w, h, fps, 50*fps, func(i int, y []byte, w, h int) {
		bg(i, y, w, h)
		if i >= 8*fps && i < 18*fps {
			k := i - 8*fps
			size := 20 + k*100/(10*fps)
			x0 := 10 + k*(w-130)/(10*fps)
			for r := 40; r < min(40+size, h); r++ {
				for c := x0; c < min(x0+size, w); c++ {
					y[r*w+c] = 20
				}
			}
		}
	})
	n := startNVR(t)
	var view map[string]any
	if code := n.do("PUT", "/api/settings/mqtt", map[string]any{"enabled": true, "url": "mqtt://" + addr,
		"user": user, "password": password}, &view); code != 200 {
		t.Fatalf("PUT /api/settings/mqtt: HTTP %d %v", code, view)
	}
	if code := n.do("GET", "/api/settings/mqtt", nil, &view); code != 200 || view["password_set"] != true ||
		view["topic_prefix"] != "nvr" {
		t.Fatalf("GET /api/settings/mqtt: HTTP %d %v", code, view)
	}
	if b, _ := json.Marshal(view); strings.Contains(string(b), password) {
		t.Fatalf("GET /api/settings/mqtt shows the password: %s", b)
	}
	sub.waitTopic(0, 20*time.Second, "nvr/available", "online")

	cam := startCamera(t, testcam.Options{AUs: moving, FPS: fps})
	var c map[string]any
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Yard", "url": cam.URL(),
		"record": map[string]any{"mode": "continuous", "pre_roll_s": 2, "post_roll_s": 2},
		"detect": map[string]any{"enabled": false}}, &c); code != 201 {
		t.Fatalf("create camera: %d %v", code, c)
	}
	// Discovery: every entity of the camera's device, retained, parsing as Home Assistant reads it.
	for topic, want := range map[string]string{
		"homeassistant/binary_sensor/nvr_yard/motion/config": "nvr/yard/motion",
		"homeassistant/switch/nvr_yard/recording/config":     "nvr/yard/recording/state",
		"homeassistant/switch/nvr_yard/detect/config":        "nvr/yard/detect/state",
		"homeassistant/switch/nvr_yard/motion/config":        "nvr/yard/motion/state",
		"homeassistant/sensor/nvr_yard/state/config":         "nvr/yard/status",
		"homeassistant/camera/nvr_yard/snapshot/config":      "",
		"homeassistant/binary_sensor/nvr_yard/person/config": "nvr/yard/person",
	} {
		m, _ := sub.wait(0, 20*time.Second, "discovery "+topic, func(m mqttMsg) bool { return m.Topic == topic && len(m.Payload) > 0 })
		var cfg haConfigOut
		if err := json.Unmarshal(m.Payload, &cfg); err != nil {
			t.Fatalf("%s does not parse: %v %s", topic, err, m.Payload)
		}
		if cfg.StateTopic != want || cfg.UniqueID == "" || len(cfg.Availability) != 1 || cfg.Availability[0].Topic != "nvr/available" ||
			len(cfg.Device.Identifiers) != 1 || cfg.Device.Identifiers[0] != "nvr_yard" || cfg.Device.Name != "Yard" || cfg.Device.Model != "nvr" {
			t.Fatalf("%s: %s", topic, m.Payload)
		}
		if strings.Contains(topic, "/switch/") && cfg.CommandTopic != strings.TrimSuffix(want, "state")+"set" {
			t.Fatalf("%s: command topic %q", topic, cfg.CommandTopic)
		}
		if strings.Contains(topic, "/camera/") && cfg.Topic != "nvr/yard/snapshot" {
			t.Fatalf("%s: image topic %q", topic, cfg.Topic)
		}
	}
	// Retained: a subscriber arriving now gets them too.
	late := subscribe(t, addr, user, password, "homeassistant/#")
	if m, _ := late.wait(0, 10*time.Second, "a retained discovery config", func(m mqttMsg) bool {
		return m.Topic == "homeassistant/binary_sensor/nvr_yard/motion/config"
	}); !m.Retain {
		t.Fatal("the discovery config came to a new subscriber without the retain flag")
	}
	n.waitStatus("yard", 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	sub.waitTopic(0, 20*time.Second, "nvr/yard/status", "streaming")
	sub.waitTopic(0, 20*time.Second, "nvr/yard/recording/state", "ON")

	// The motion event: new, motion ON, update(s), end, motion OFF, and the retained snapshot.
	first, iNew := sub.wait(0, 70*time.Second, "an event new", func(m mqttMsg) bool {
		e, ok := parseEvent(m)
		return ok && e.Type == "new" && e.After.Kind == "motion" && e.After.Camera == "yard"
	})
	ev, _ := parseEvent(first)
	id := ev.After.ID
	iOn := sub.waitTopic(0, 10*time.Second, "nvr/yard/motion", "ON")
	sub.wait(iNew, 30*time.Second, "an event update", func(m mqttMsg) bool {
		e, ok := parseEvent(m)
		return ok && e.Type == "update" && e.After.ID == id && e.Before != nil && e.Before.ID == id
	})
	endMsg, iEnd := sub.wait(iNew, 60*time.Second, "an event end", func(m mqttMsg) bool {
		e, ok := parseEvent(m)
		return ok && e.Type == "end" && e.After.ID == id
	})
	if e, _ := parseEvent(endMsg); e.After.End == nil || e.After.Score <= 0 {
		t.Fatalf("end event without an end or a score: %s", endMsg.Payload)
	}
	sub.waitTopic(max(iOn, iEnd-1), 10*time.Second, "nvr/yard/motion", "OFF")
	snap, _ := sub.wait(0, 10*time.Second, "the snapshot", func(m mqttMsg) bool { return m.Topic == "nvr/yard/snapshot" })
	if len(snap.Payload) < 100 || snap.Payload[0] != 0xff || snap.Payload[1] != 0xd8 {
		t.Fatalf("snapshot is not a JPEG (%d bytes)", len(snap.Payload))
	}

	// recording/set OFF: the setting changes as PATCH would, recording stops, the state is echoed.
	mark := sub.count()
	sub.publish("nvr/nowhere/recording/set", "OFF") // unknown camera: logged, no crash
	sub.publish("nvr/yard/recording/set", "OFF")
	sub.waitTopic(mark, 20*time.Second, "nvr/yard/recording/state", "OFF")
	var got struct {
		Record struct {
			Mode string `json:"mode"`
		} `json:"record"`
	}
	if n.do("GET", "/api/cameras/yard", nil, &got); got.Record.Mode != "off" {
		t.Fatalf("after recording/set OFF the camera's record mode is %q", got.Record.Mode)
	}
	waitFor(t, 30*time.Second, "recording to stop", func() bool {
		var st struct {
			Recording *struct {
				Recording bool `json:"recording"`
			} `json:"recording"`
		}
		n.do("GET", "/api/cameras/yard/status", nil, &st)
		return st.Recording == nil || !st.Recording.Recording
	})

	// The broker goes away and comes back: nvr reconnects and later events arrive.
	restart()
	sub2 := resubscribe()
	i := sub2.waitTopic(0, 60*time.Second, "nvr/available", "online")
	// Commands are subscribed again: recording/set ON restores the mode it had before OFF.
	waitFor(t, 20*time.Second, "recording/set ON to be taken", func() bool {
		sub2.publish("nvr/yard/recording/set", "ON")
		n.do("GET", "/api/cameras/yard", nil, &got)
		return got.Record.Mode == "continuous"
	})
	sub2.waitTopic(i, 10*time.Second, "nvr/yard/recording/state", "ON")
	if code := n.do("POST", "/api/cameras/yard/record", map[string]any{"seconds": 2}, nil); code != 202 {
		t.Fatalf("record now: HTTP %d", code)
	}
	sub2.wait(0, 30*time.Second, "the manual event after the reconnect", func(m mqttMsg) bool {
		e, ok := parseEvent(m)
		return ok && e.Type == "new" && e.After.Kind == "manual"
	})

	// A deleted camera's discovery configs are removed (empty retained messages).
	mark = sub2.count()
	if code := n.do("DELETE", "/api/cameras/yard", nil, nil); code != 204 {
		t.Fatalf("delete: HTTP %d", code)
	}
	sub2.wait(mark, 20*time.Second, "the motion sensor's config removed", func(m mqttMsg) bool {
		return m.Topic == "homeassistant/binary_sensor/nvr_yard/motion/config" && len(m.Payload) == 0
	})
	// A clean stop says offline before it disconnects.
	n.stop()
	sub2.waitTopic(mark, 10*time.Second, "nvr/available", "offline")
}

// TestMQTTLastWillOnKill: a real nvrd process connected to mosquitto says online; killed with -9, the
// broker publishes its last will, offline.
func TestMQTTLastWillOnKill(t *testing.T) {
	need(t)
	broker := startMosquitto(t, "", "")
	p := startNVRD(t)
	req := `{"enabled":true,"url":"mqtt://` + broker.addr + `","topic_prefix":"house/nvr"}`
	if code, out := p.put(t, "/api/settings/mqtt", req); code != 200 {
		t.Fatalf("PUT /api/settings/mqtt: HTTP %d %s", code, out)
	}
	sub := subscribe(t, broker.addr, "", "", "house/nvr/available")
	i := sub.waitTopic(0, 20*time.Second, "house/nvr/available", "online")
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	sub.waitTopic(i+1, 60*time.Second, "house/nvr/available", "offline")
}
