package e2e

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
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
