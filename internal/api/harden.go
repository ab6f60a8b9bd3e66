package api

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// contentSecurityPolicy lets the page load only its own scripts, styles and connections (no inline
// script, no eval), play video from MediaSource blob: URLs, and never be framed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// hostPolicy says which Host header values nvrd answers: without it, a DNS-rebinding page would
// pass the same-origin checks.
type hostPolicy struct {
	names  map[string]bool // lower-case names and IP literals, without port
	anyIP  bool            // listening on all addresses: any IP literal is this machine
	active bool
}

// newHostPolicy allows loopback names and addresses, this machine's host name, the listen address
// (all IP literals when it is unspecified, 0.0.0.0 or ::) and the extra names given.
func newHostPolicy(listen string, extra []string) hostPolicy {
	p := hostPolicy{names: map[string]bool{"localhost": true}, active: true}
	if h, err := os.Hostname(); err == nil && h != "" {
		p.names[strings.ToLower(h)] = true
		p.names[strings.ToLower(h)+".local"] = true
	}
	if listen != "" {
		host := listen
		if h, _, err := net.SplitHostPort(listen); err == nil {
			host = h
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			p.anyIP = true
		} else {
			p.names[strings.ToLower(strings.Trim(host, "[]"))] = true
		}
	}
	for _, n := range extra {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			if h, _, err := net.SplitHostPort(n); err == nil {
				n = h
			}
			p.names[strings.Trim(n, "[]")] = true
		}
	}
	return p
}

// allowed reports whether a request's Host is one of nvrd's names.
func (p hostPolicy) allowed(hostHeader string) bool {
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || p.anyIP || p.names[ip.String()] || p.names[host]
	}
	return p.names[host] || strings.HasSuffix(host, ".localhost")
}

// preflight runs before every route: security headers on every answer, then the Host check, then the
// Origin and Content-Type checks of the routes that accept credentials without a session. It
// answers and returns false when the request goes no further.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/metrics" {
		h.Set("Cache-Control", "no-store")
	}
	if s.hosts.active && !s.hosts.allowed(r.Host) {
		writeError(w, http.StatusMisdirectedRequest, "this server does not answer to the host name "+
			quoteHost(r.Host)+"; start nvrd with --allow-host "+quoteHost(hostOnly(r.Host))+" to use that name")
		return false
	}
	if r.Method == http.MethodPost && (r.URL.Path == "/api/login" || r.URL.Path == "/api/setup") {
		if !sameOrigin(r) || crossSite(r) {
			writeError(w, http.StatusForbidden, "log in from this server's own login page, not from another site")
			return false
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "send the request body as JSON with Content-Type: application/json")
			return false
		}
	}
	return true
}

// crossSite reports a browser's statement that the request comes from another site.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	return false
}

func hostOnly(hostHeader string) string {
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		return h
	}
	return hostHeader
}

// quoteHost quotes a Host header for a message, never echoing control characters.
func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100]
	}
	return `"` + url.PathEscape(h) + `"`
}
