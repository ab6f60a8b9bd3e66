package api

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestPutWebhooksReplacesTheSet: PUT /api/settings/webhooks makes its array the whole rule set at
// once: a rule with its id keeps its secret, a rule left out goes, a new rule gets a secret shown
// once; an invalid rule changes nothing and is named in a one-sentence error; GET never shows a secret.
func TestPutWebhooksReplacesTheSet(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var ids [2]string
	for i, cam := range []string{"yard", "house"} {
		code, out := e.do(t, "POST", "/api/settings/webhooks", e.admin, `{"url":"http://127.0.0.1:9/`+cam+`","camera":"`+cam+`","secret":"secret-`+cam+`"}`, nil)
		if code != 201 {
			t.Fatalf("create: HTTP %d %s", code, out)
		}
		var v struct{ ID string }
		_ = json.Unmarshal([]byte(out), &v)
		ids[i] = v.ID
	}
	// Keep yard (changed, no secret given), drop house, add a new one.
	body := `[{"id":"` + ids[0] + `","url":"http://127.0.0.1:9/yard2","camera":"yard","kind":"motion","secret_set":true,"created":"x","last":null},
		{"url":"http://127.0.0.1:9/new","label":"person"}]`
	code, out := e.do(t, "PUT", "/api/settings/webhooks", e.admin, body, nil)
	if code != 200 {
		t.Fatalf("PUT: HTTP %d %s", code, out)
	}
	var got []struct {
		ID, URL, Kind, Secret string
		SecretSet             bool `json:"secret_set"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 2 {
		t.Fatalf("PUT answer %s: want two rules (%v)", out, err)
	}
	if got[0].ID != ids[0] || got[0].URL != "http://127.0.0.1:9/yard2" || got[0].Kind != "motion" || got[0].Secret != "" {
		t.Errorf("kept rule answered as %+v", got[0])
	}
	if got[1].ID == "" || got[1].URL != "http://127.0.0.1:9/new" || len(got[1].Secret) < 32 {
		t.Errorf("new rule answered as %+v: want an id and its generated secret", got[1])
	}
	hooks, err := e.st.Webhooks(ctx)
	if err != nil || len(hooks) != 2 {
		t.Fatalf("store has %d rules (%v), want 2", len(hooks), err)
	}
	if fmt.Sprint(hooks[0].ID) != ids[0] || hooks[0].Secret != "secret-yard" {
		t.Errorf("kept rule in the store: id %d secret %q, want %s and its old secret", hooks[0].ID, hooks[0].Secret, ids[0])
	}
	code, out = e.do(t, "GET", "/api/settings/webhooks", e.admin, "", nil)
	if code != 200 || strings.Contains(out, "secret-yard") || strings.Contains(out, got[1].Secret) || strings.Contains(out, "/house") {
		t.Errorf("GET after PUT: HTTP %d %s", code, out)
	}

	// Bad documents: nothing changes, and the error says which rule and why.
	for _, c := range []struct{ body, want string }{
		{`{"url":"http://127.0.0.1:9/x"}`, "JSON array"},
		{`[{"url":"http://127.0.0.1:9/ok"},{"url":"gopher://x"}]`, "rule 2: the webhook URL must start with http://"},
		{`[{"id":"999","url":"http://127.0.0.1:9/x"}]`, `rule 1 names webhook "999", which does not exist`},
		{`[{"id":"` + ids[0] + `","url":"http://127.0.0.1:9/a"},{"id":"` + ids[0] + `","url":"http://127.0.0.1:9/b"}]`, "a second time"},
		{`[{"url":"http://127.0.0.1:9/x","colour":"red"}]`, "rule 1: "},
	} {
		code, out := e.do(t, "PUT", "/api/settings/webhooks", e.admin, c.body, nil)
		var je struct{ Error string }
		_ = json.Unmarshal([]byte(out), &je)
		if code != 400 || !strings.Contains(je.Error, c.want) || strings.Count(strings.TrimSuffix(je.Error, "."), ". ") > 0 {
			t.Errorf("PUT %s: HTTP %d %q, want 400 with %q", c.body, code, je.Error, c.want)
		}
	}
	after, _ := e.st.Webhooks(ctx)
	if len(after) != 2 || after[0].URL != "http://127.0.0.1:9/yard2" || after[1].URL != "http://127.0.0.1:9/new" {
		t.Errorf("a refused PUT changed the rules: %+v %+v", after[0], after[1])
	}
	// An empty array removes every rule.
	if code, out := e.do(t, "PUT", "/api/settings/webhooks", e.admin, `[]`, nil); code != 200 || strings.TrimSpace(out) != "[]" {
		t.Errorf("PUT []: HTTP %d %s", code, out)
	}
	if hooks, _ := e.st.Webhooks(ctx); len(hooks) != 0 {
		t.Errorf("after PUT [] the store has %d rules", len(hooks))
	}
}

// TestNotificationSettingsAreTheCallers: GET /api/settings/notifications is the VAPID key and the
// caller's own subscriptions; PUT replaces the filters of those it lists (left-out filters: any) and
// refuses someone else's subscription.
func TestNotificationSettingsAreTheCallers(t *testing.T) {
	e := newEnv(t)
	priv, _ := ecdh.P256().GenerateKey(rand.Reader)
	enc := base64.RawURLEncoding.EncodeToString
	body := `{"endpoint":"https://push.example/abc","keys":{"p256dh":"` + enc(priv.PublicKey().Bytes()) + `","auth":"` + enc(make([]byte, 16)) + `"},"cameras":["yard"],"kinds":["motion"],"name":"Phone"}`
	if code, out := e.do(t, "POST", "/api/push/subscriptions", e.with, body, nil); code != 201 {
		t.Fatalf("subscribe: HTTP %d %s", code, out)
	}
	type settings struct {
		PublicKey     string `json:"public_key"`
		Subscriptions []struct {
			ID, Name, Endpoint     string
			Cameras, Kinds, Labels []string
			QuietS                 int `json:"quiet_s"`
		}
	}
	get := func(tok string) settings {
		t.Helper()
		code, out := e.do(t, "GET", "/api/settings/notifications", tok, "", nil)
		var s settings
		if err := json.Unmarshal([]byte(out), &s); code != 200 || err != nil {
			t.Fatalf("GET: HTTP %d %s (%v)", code, out, err)
		}
		if strings.Contains(out, "p256dh") || strings.Contains(out, "auth") {
			t.Errorf("GET shows the browser's keys: %s", out)
		}
		return s
	}
	mine := get(e.with)
	if len(mine.PublicKey) < 80 || len(mine.Subscriptions) != 1 || mine.Subscriptions[0].Name != "Phone" {
		t.Fatalf("own settings: %+v", mine)
	}
	if other := get(e.without); len(other.Subscriptions) != 0 || other.PublicKey != mine.PublicKey {
		t.Errorf("another user's settings: %+v", other)
	}
	id := mine.Subscriptions[0].ID
	code, out := e.do(t, "PUT", "/api/settings/notifications", e.with, `{"subscriptions":[{"id":"`+id+`","labels":["person"],"quiet_s":60,"endpoint":"https://push.example/abc"}]}`, nil)
	if code != 200 {
		t.Fatalf("PUT: HTTP %d %s", code, out)
	}
	s := get(e.with).Subscriptions[0]
	if len(s.Cameras) != 0 || len(s.Kinds) != 0 || len(s.Labels) != 1 || s.Labels[0] != "person" || s.QuietS != 60 || s.Name != "Phone" {
		t.Errorf("after PUT: %+v, want any camera and kind, label person, quiet 60 s, name kept", s)
	}
	for _, c := range []struct{ tok, body, want string }{
		{e.without, `{"subscriptions":[{"id":"` + id + `","quiet_s":5}]}`, "you have no notification subscription"},
		{e.with, `{"subscriptions":[{"id":"` + id + `","quiet_s":-1}]}`, "subscription 1: the quiet period must be between"},
		{e.with, `{"subscriptions":[{"id":"` + id + `","keys":{}}]}`, "must be a JSON object"},
	} {
		code, out := e.do(t, "PUT", "/api/settings/notifications", c.tok, c.body, nil)
		if code != 400 || !strings.Contains(out, c.want) {
			t.Errorf("PUT %s: HTTP %d %s, want 400 with %q", c.body, code, out, c.want)
		}
	}
	if s := get(e.with).Subscriptions[0]; s.QuietS != 60 {
		t.Errorf("a refused PUT changed the quiet period to %d", s.QuietS)
	}
}

// TestSettingsTLS: GET /api/settings/tls is the certificate's fingerprints (as /api/system/tls);
// PUT says in a sentence that the certificate is set with nvrd start's flags.
func TestSettingsTLS(t *testing.T) {
	want := TLSInfo{HTTPS: true, CertificateSHA256: "AB:CD", SPKISHA256: "c3BraQ==", SelfSigned: true}
	e := newEnv(t, func(o *Options) { o.TLS = func() TLSInfo { return want } })
	code, body := e.do(t, "GET", "/api/settings/tls", e.with, "", nil)
	var got TLSInfo
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil || got != want {
		t.Fatalf("GET /api/settings/tls: %d %s, want %+v", code, body, want)
	}
	code, body = e.do(t, "PUT", "/api/settings/tls", e.admin, `{"cert":"x"}`, nil)
	if code != 405 || !strings.Contains(body, "--tls-cert") || strings.Contains(body, "certificate_sha256") {
		t.Errorf("PUT /api/settings/tls: HTTP %d %s, want 405 naming --tls-cert", code, body)
	}
}
