package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

// TestSecuritySettingsShowPrintedFingerprint: what GET /api/system/tls (the Security settings) shows is
// the fingerprint nvrd start printed for the certificate it serves.
func TestSecuritySettingsShowPrintedFingerprint(t *testing.T) {
	p := startNVRD(t, "--tls")
	var fp, spki string
	deadline := time.Now().Add(20 * time.Second)
	for (fp == "" || spki == "") && time.Now().Before(deadline) {
		if m := fingerprintRe.FindStringSubmatch(p.stderr.String()); m != nil {
			fp = m[1]
		}
		if m := spkiRe.FindStringSubmatch(p.stderr.String()); m != nil {
			spki = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if fp == "" || spki == "" {
		t.Fatalf("nvrd printed no certificate fingerprint:\n%s", p.stderr)
	}
	base := "https://" + strings.TrimPrefix(p.url, "http://")
	c := pinnedClient(fp)
	c.Jar, _ = cookiejar.New(nil)
	resp, err := c.Post(base+"/api/login", "application/json", strings.NewReader(`{"user":"root","password":"correct horse battery"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HTTPS login: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, err = c.Get(base + "/api/system/tls")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/system/tls: %v %v", err, resp)
	}
	defer resp.Body.Close()
	var got struct {
		HTTPS      bool   `json:"https"`
		Cert       string `json:"certificate_sha256"`
		SPKI       string `json:"spki_sha256"`
		SelfSigned bool   `json:"self_signed"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if !got.HTTPS || got.Cert != fp || got.SPKI != spki || !got.SelfSigned {
		t.Fatalf("the Security settings show %+v, nvrd printed certificate %s and SPKI %s", got, fp, spki)
	}
}
