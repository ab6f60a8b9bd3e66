package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/internal/webhook"
)

// TestWebhookGetsEngineEvents: a manual recording on a real camera reaches a webhook rule through the
// event engine's subscription (the one MQTT reads): the local receiver gets the event's new and end,
// signed with the rule's secret, and the delivery log says delivered.
func TestWebhookGetsEngineEvents(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	n := startNVR(t)
	cam := startCamera(t, testcam.Options{})
	id := n.addCamera("Porch", cam.URL())
	n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	type got struct {
		signed bool
		msg    struct {
			Type  string `json:"type"`
			After struct {
				ID, Camera, Kind string
			} `json:"after"`
		}
	}
	var mu sync.Mutex
	var msgs []got
	var secret string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		g := got{signed: webhook.Verify(secret, r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp), b)}
		_ = json.Unmarshal(b, &g.msg)
		msgs = append(msgs, g)
	}))
	defer rcv.Close()
	var rule struct{ ID, Secret string }
	mu.Lock()
	code := n.do("POST", "/api/settings/webhooks", map[string]any{"url": rcv.URL, "camera": id, "kind": "manual"}, &rule)
	secret = rule.Secret
	mu.Unlock()
	if code != 201 || rule.Secret == "" {
		t.Fatalf("create the webhook: HTTP %d %+v", code, rule)
	}
	if code := n.do("POST", "/api/cameras/"+id+"/record", map[string]any{"seconds": 1}, nil); code != 202 {
		t.Fatalf("record: HTTP %d", code)
	}
	waitFor(t, 60*time.Second, "the event's new and end at the receiver", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(msgs) >= 2
	})
	mu.Lock()
	for i, want := range []string{"new", "end"} {
		g := msgs[i]
		if !g.signed || g.msg.Type != want || g.msg.After.Camera != id || g.msg.After.Kind != "manual" || g.msg.After.ID == "" {
			t.Errorf("message %d: %+v, want a signed %s of the manual event of %s", i, g, want, id)
		}
	}
	mu.Unlock()
	var log []webhook.DeliveryView
	waitFor(t, 20*time.Second, "the delivery log saying delivered", func() bool {
		n.do("GET", "/api/settings/webhooks/log?webhook="+rule.ID, nil, &log)
		return len(log) >= 2 && log[0].State == "delivered" && log[1].State == "delivered"
	})
}
