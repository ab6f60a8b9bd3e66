package api

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// loginCookie logs admin in at e with extra headers and returns the session cookie's Secure flag.
func loginCookie(t *testing.T, e *testEnv, h http.Header) bool {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/login", strings.NewReader(`{"user":"admin","password":"`+testPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login: HTTP %d", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Value != "" {
			return c.Secure
		}
	}
	t.Fatal("login set no session cookie")
	return false
}

// TestForwardedProtoOnlyFromTrustedProxy: behind a trusted proxy that ends TLS (it talks plain HTTP to
// nvrd and says X-Forwarded-Proto: https) the session cookie is Secure; the same header from a peer
// that is not a trusted proxy changes nothing, and a trusted proxy saying http gets a plain cookie.
func TestForwardedProtoOnlyFromTrustedProxy(t *testing.T) {
	https := http.Header{"X-Forwarded-Proto": {"https"}}
	untrusted := newEnv(t, func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")} })
	if loginCookie(t, untrusted, https) {
		t.Error("a peer that is not a trusted proxy made the cookie Secure with X-Forwarded-Proto")
	}
	trusted := newEnv(t, func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	if loginCookie(t, trusted, nil) {
		t.Error("plain HTTP without X-Forwarded-Proto gave a Secure cookie")
	}
	if !loginCookie(t, trusted, https) {
		t.Error("behind a trusted proxy saying X-Forwarded-Proto: https the cookie is not Secure")
	}
	// A proxy that appends: the last value is the one the proxy next to nvrd wrote.
	if loginCookie(t, trusted, http.Header{"X-Forwarded-Proto": {"https, http"}}) {
		t.Error("the trusted proxy said http last, yet the cookie is Secure")
	}
	if !loginCookie(t, trusted, http.Header{"X-Forwarded-Proto": {"http, HTTPS"}}) {
		t.Error("the trusted proxy said HTTPS last, yet the cookie is not Secure")
	}
}
