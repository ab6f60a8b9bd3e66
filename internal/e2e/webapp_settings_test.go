package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nvrproject/nvr/internal/webhook"
)

// TestWebappSettings: on #/settings an administrator saves the MQTT settings (the password is kept and
// never shown again), adds a webhook to a local receiver and sends a test (the receiver gets it signed
// with the secret typed in, the delivery log says delivered), and one to a port where nothing listens
// (the log says so in words). Screenshots of the page go to .cache/webapp/integ.
func TestWebappSettings(t *testing.T) {
	need(t)
	needBrowser(t)
	n := startNVR(t)
	n.addCamera("Shed", "rtsp://127.0.0.1:9/nothing-listens-here")
	const secret = "receiver-secret-0123456789"
	var mu sync.Mutex
	var got []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ok := webhook.Verify(secret, r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp), b)
		mu.Lock()
		got = append(got, r.Header.Get(webhook.HeaderEvent)+" "+map[bool]string{true: "signed", false: "UNSIGNED"}[ok]+" "+string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	dead := freeAddr(t) // nothing listens there
	mqttDead := freeAddr(t)
	dir := filepath.Join(webappDir(t), "integ")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(adminLogin[:len(adminLogin):len(adminLogin)], "NVR_MQTT_URL=mqtt://"+mqttDead,
		"NVR_HOOK_URL="+rcv.URL+"/hook", "NVR_HOOK_SECRET="+secret, "NVR_DEAD_URL=http://"+dead+"/hook",
		`NVR_PUSH_PAYLOAD={"title":"Person on Shed","body":"12:00:00 · 87 %","url":"#/events?camera=shed&event=7","image":"/api/events/7/snapshot.jpg","tag":"nvr-shed","event":"7","camera":"shed"}`)
	var r struct {
		webappResult
		Steps []map[string]json.RawMessage `json:"steps"`
	}
	runCheck(t, "settings-check.mjs", env, &r, n.srv.URL, dir)
	if r.Fatal != "" {
		t.Fatalf("in the browser: %s (page errors: %v)", r.Fatal, r.webappResult.Errors)
	}
	if len(r.webappResult.Errors) > 0 || len(r.CSP) > 0 {
		t.Errorf("page errors %v, CSP violations %v", r.webappResult.Errors, r.CSP)
	}
	steps := map[string]string{}
	for _, s := range r.Steps {
		for k, v := range s {
			steps[k] = string(v)
		}
	}
	if s := steps["mqtt_after_reload"]; !strings.Contains(s, `"url":"mqtt://`+mqttDead+`"`) || !strings.Contains(s, `"prefix":"house"`) ||
		!strings.Contains(s, `"password":""`) || !strings.Contains(s, "A password is saved") {
		t.Errorf("MQTT settings after a reload: %s", s)
	}
	if s := steps["mqtt_state"]; !strings.Contains(s, mqttDead) {
		t.Errorf("the MQTT state does not say why it is not connected: %s", s)
	}
	if s := steps["dead"]; !strings.Contains(s, "nothing is listening at "+dead+" (connection refused)") {
		t.Errorf("the delivery log of the wrong URL: %s", s)
	}
	var shown []map[string]string
	_ = json.Unmarshal([]byte(steps["notification"]), &shown)
	want := map[string]string{"title": "Person on Shed", "body": "12:00:00 · 87 %", "image": n.srv.URL + "/api/events/7/snapshot.jpg",
		"url": n.srv.URL + "/#/events?camera=shed&event=7", "tag": "nvr-shed"}
	if len(shown) != 1 || fmt.Sprint(shown[0]) != fmt.Sprint(want) {
		t.Errorf("the service worker showed %v, want %v", shown, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.HasPrefix(got[0], "test signed {") {
		t.Errorf("the receiver got %q, want one signed test message", got)
	}
	// The MQTT password was stored as typed, and never came back to the page.
	var m map[string]any
	if code := n.do("GET", "/api/settings/mqtt", nil, &m); code != 200 || m["password_set"] != true || m["password"] != nil {
		t.Errorf("GET /api/settings/mqtt: %d %v", code, m)
	}
	var res struct{ Shots []string }
	_ = json.Unmarshal(r.Result, &res)
	if len(res.Shots) != 4 {
		t.Errorf("%d screenshots, want 4", len(res.Shots))
	}
}
