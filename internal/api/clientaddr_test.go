package api

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientAddrTrustsOnlyConfiguredProxies: X-Forwarded-For names the client only when the peer is a
// trusted proxy; the nearest untrusted hop counts, so a client cannot prepend an address of its choice.
func TestClientAddrTrustsOnlyConfiguredProxies(t *testing.T) {
	s := &Server{opt: Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/24"), netip.MustParsePrefix("::1/128")}}}
	for _, c := range []struct{ peer, xff, want string }{
		{"127.0.1.5:4000", "192.0.2.7", "127.0.1.5"},               // not a trusted proxy: header ignored
		{"127.0.0.2:4000", "", "127.0.0.2"},                        // trusted, no header
		{"127.0.0.2:4000", "192.0.2.7", "192.0.2.7"},               // trusted: the client
		{"127.0.0.2:4000", "198.51.100.1, 192.0.2.7", "192.0.2.7"}, // a forged first hop is not believed
		{"127.0.0.2:4000", "192.0.2.7, 127.0.0.3", "192.0.2.7"},    // a chain of trusted proxies
		{"[::1]:4000", "192.0.2.8", "192.0.2.8"},                   // IPv6 proxy
		{"127.0.0.2:4000", "not-an-address", "127.0.0.2"},          // garbage: the proxy itself
		{"127.0.0.2:4000", "127.0.0.3", "127.0.0.2"},               // only proxies: the peer
	} {
		r := httptest.NewRequest("POST", "/api/login", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientAddr(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}
