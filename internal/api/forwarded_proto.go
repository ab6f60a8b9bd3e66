package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// requestScheme is the scheme the browser used to reach nvrd: "https" when the request came over TLS,
// or, only when the peer is one of the configured trusted proxies (Options.TrustedProxies), what that
// proxy's X-Forwarded-Proto says (a proxy that ends TLS talks plain HTTP to nvrd). The header's last
// value counts: it is the one the proxy next to nvrd wrote (a proxy that appends keeps the client's
// own guesses in front). From any other peer the header is ignored, so a client on plain HTTP cannot
// talk nvrd into a cookie it believes secure, nor a proxied HTTPS user out of one.
func (s *Server) requestScheme(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return scheme
	}
	var last string
	for _, v := range r.Header.Values("X-Forwarded-Proto") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				last = p
			}
		}
	}
	switch strings.ToLower(last) {
	case "https":
		return "https"
	case "http":
		return "http"
	}
	return scheme // absent or garbled: the connection itself decides
}

// secureRequest says whether cookies set on r's answer must be Secure (see requestScheme).
func (s *Server) secureRequest(r *http.Request) bool { return s.requestScheme(r) == "https" }
