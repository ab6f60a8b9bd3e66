package api

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// TestWebhookSecretShownOnce: the create answer carries the signing secret; lists and updates never do.
func TestWebhookSecretShownOnce(t *testing.T) {
	e := newEnv(t)
	code, out := e.do(t, "POST", "/api/settings/webhooks", e.admin, `{"url":"http://127.0.0.1:9/hook","camera":"yard"}`, nil)
	if code != 201 {
		t.Fatalf("create: HTTP %d %s", code, out)
	}
	var created struct{ ID, Secret string }
	_ = json.Unmarshal([]byte(out), &created)
	if len(created.Secret) < 32 {
		t.Fatalf("create answer %s has no secret", out)
	}
	for _, req := range [][3]string{{"GET", "/api/settings/webhooks", ""}, {"PATCH", "/api/settings/webhooks/" + created.ID, `{"label":"person"}`}} {
		code, out := e.do(t, req[0], req[1], e.admin, req[2], nil)
		if code != 200 || strings.Contains(out, created.Secret) || !strings.Contains(out, `"secret_set": true`) {
			t.Errorf("%s %s: HTTP %d, shows the secret or not that one is set: %s", req[0], req[1], code, out)
		}
	}
	if code, out := e.do(t, "PATCH", "/api/settings/webhooks/"+created.ID, e.admin, `{"url":"gopher://x"}`, nil); code != 400 || !strings.Contains(out, "must start with http://") {
		t.Errorf("bad URL: HTTP %d %s", code, out)
	}
}

// TestPushSubscriptionsAreTheirOwners: a user lists and removes only their own browsers.
func TestPushSubscriptionsAreTheirOwners(t *testing.T) {
	e := newEnv(t)
	priv, _ := ecdh.P256().GenerateKey(rand.Reader)
	enc := base64.RawURLEncoding.EncodeToString
	body := `{"endpoint":"https://push.example/abc","keys":{"p256dh":"` + enc(priv.PublicKey().Bytes()) + `","auth":"` + enc(make([]byte, 16)) + `"},"cameras":["yard"]}`
	code, out := e.do(t, "POST", "/api/push/subscriptions", e.with, body, nil)
	if code != 201 {
		t.Fatalf("subscribe: HTTP %d %s", code, out)
	}
	var sub struct{ ID string }
	_ = json.Unmarshal([]byte(out), &sub)
	if _, out := e.do(t, "GET", "/api/push/subscriptions", e.without, "", nil); strings.Contains(out, "push.example") {
		t.Errorf("another user lists the subscription: %s", out)
	}
	if code, _ := e.do(t, "DELETE", "/api/push/subscriptions/"+sub.ID, e.admin, "", nil); code != 404 {
		t.Errorf("someone else's DELETE: HTTP %d, want 404", code)
	}
	if code, out := e.do(t, "PATCH", "/api/push/subscriptions/"+sub.ID, e.with, `{"quiet_s":60}`, nil); code != 200 || !strings.Contains(out, `"quiet_s": 60`) {
		t.Errorf("own PATCH: HTTP %d %s", code, out)
	}
	if code, _ := e.do(t, "DELETE", "/api/push/subscriptions/"+sub.ID, e.with, "", nil); code != 204 {
		t.Errorf("own DELETE: HTTP %d, want 204", code)
	}
}
