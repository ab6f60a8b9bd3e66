package e2e

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

var fingerprintRe = regexp.MustCompile(`certificate_sha256=([0-9A-F:]{95})`)

// pinnedClient trusts exactly the certificate with the SHA-256 fingerprint fp (colon-separated hex).
func pinnedClient(fp string) *http.Client {
	want := strings.ToLower(strings.ReplaceAll(fp, ":", ""))
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, // the chain is not checked; the pin below is the whole check
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			sum := sha256.Sum256(raw[0])
			if hex.EncodeToString(sum[:]) != want {
				return errors.New("certificate fingerprint does not match the pin")
			}
			return nil
		},
	}}}
}

// TestHTTPSWithSelfSignedCertificate: nvrd --tls on loopback makes a self-signed certificate (key
// 0600 in the data directory), prints its fingerprint, serves HTTPS to a client pinned to it, sets the
// session cookie Secure, answers no plain HTTP, and a client pinned to another fingerprint is refused.
func TestHTTPSWithSelfSignedCertificate(t *testing.T) {
	p := startNVRD(t, "--tls")
	var fp string
	deadline := time.Now().Add(20 * time.Second)
	for fp == "" && time.Now().Before(deadline) {
		if m := fingerprintRe.FindStringSubmatch(p.stderr.String()); m != nil {
			fp = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if fp == "" || !strings.Contains(p.stderr.String(), fp+"\n") {
		t.Fatalf("nvrd printed no certificate fingerprint:\n%s", p.stderr)
	}
	if fi, err := os.Stat(filepath.Join(p.data, "tls", "key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("TLS key: %v %v, want mode 0600", fi, err)
	}
	base := "https://" + strings.TrimPrefix(p.url, "http://")
	c := pinnedClient(fp)
	resp, err := c.Get(base + "/api/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HTTPS health: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, err = c.Post(base+"/api/login", "application/json", strings.NewReader(`{"user":"root","password":"correct horse battery"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HTTPS login: %v %v", err, resp)
	}
	resp.Body.Close()
	var secure bool
	for _, ck := range resp.Cookies() {
		if ck.Name == auth.CookieName {
			secure = ck.Secure
		}
	}
	if !secure {
		t.Fatalf("the session cookie over HTTPS is not Secure: %v", resp.Header["Set-Cookie"])
	}
	// Plain HTTP on the same port gets no page and no cookie.
	if resp, err := http.Post(p.url+"/api/login", "application/json", strings.NewReader(`{"user":"root","password":"correct horse battery"}`)); err == nil {
		if resp.StatusCode == 200 || len(resp.Cookies()) > 0 {
			t.Fatalf("plain HTTP login answered %d with cookies %v", resp.StatusCode, resp.Cookies())
		}
		resp.Body.Close()
	}
	other := pinnedClient(strings.Repeat("00:", 31) + "00")
	if _, err := other.Get(base + "/api/health"); err == nil || !strings.Contains(err.Error(), "fingerprint") {
		t.Fatalf("a client pinned to another certificate connected: %v", err)
	}
}

var spkiRe = regexp.MustCompile(`spki_sha256="?([A-Za-z0-9+/=]{44})`)

// TestBrowserPlaysLiveOverHTTPS: the live page plays in Chromium over HTTPS with nvrd's self-signed
// certificate, accepted by its public key's hash only (--ignore-certificate-errors-spki-list).
func TestBrowserPlaysLiveOverHTTPS(t *testing.T) {
	need(t)
	needBrowser(t)
	cam := startCamera(t, testcam.Options{})
	p := startNVRD(t, "--tls")
	var fp, spki string
	deadline := time.Now().Add(20 * time.Second)
	for (fp == "" || spki == "") && time.Now().Before(deadline) {
		out := p.stderr.String()
		if m := fingerprintRe.FindStringSubmatch(out); m != nil {
			fp = m[1]
		}
		if m := spkiRe.FindStringSubmatch(out); m != nil {
			spki = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if fp == "" || spki == "" {
		t.Fatalf("nvrd printed no fingerprint or SPKI hash:\n%s", p.stderr)
	}
	base := "https://" + strings.TrimPrefix(p.url, "http://")
	c := pinnedClient(fp)
	api := func(method, path, body string, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+p.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			_ = json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	var created struct{ ID string }
	if code := api("POST", "/api/cameras", `{"name":"Porch","url":"`+cam.URL()+`"}`, &created); code != 201 {
		t.Fatalf("create camera over HTTPS: %d", code)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		var st supervisor.Status
		if api("GET", "/api/cameras/"+created.ID+"/status", "", &st) == 200 && st.State == supervisor.StateStreaming {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("camera not streaming within 30 s:\n%s", p.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r := runLiveCheck(t, base+"/?camera="+created.ID, "browser-live-https.png", "NVR_SPKI="+spki)
	if !r.LoginPage || !strings.Contains(r.AfterLogin, "camera="+created.ID) {
		t.Fatalf("over HTTPS the page did not log in (login page %v, then %q; errors %v; %s)", r.LoginPage, r.AfterLogin, r.Errors, r.Fatal)
	}
	if r.Fatal != "" {
		t.Fatalf("the video did not play over HTTPS: %s (console errors: %v)", r.Fatal, r.Errors)
	}
	if r.Second.Frames <= r.First.Frames || r.First.VideoWidth != 640 {
		t.Fatalf("over HTTPS: %dx%d, frames %d → %d", r.First.VideoWidth, r.First.VideoHeight, r.First.Frames, r.Second.Frames)
	}
}
