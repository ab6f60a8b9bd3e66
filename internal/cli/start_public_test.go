package cli

import (
	"net"
	"os"
	"strings"
	"testing"
)

func TestPublicURL(t *testing.T) {
	host, _ := os.Hostname()
	tcp := func(s string) net.Addr { a, _ := net.ResolveTCPAddr("tcp", s); return a }
	for _, c := range []struct {
		flag, scheme string
		addr         net.Addr
		want, err    string
	}{
		{"", "http", tcp("127.0.0.1:8080"), "http://127.0.0.1:8080", ""},
		{"", "https", tcp("0.0.0.0:8443"), "https://" + host + ":8443", ""},
		{"", "https", tcp("[::]:8443"), "https://" + host + ":8443", ""},
		{"", "http", tcp("[::1]:8080"), "http://[::1]:8080", ""},
		{"https://nvr.example.org/", "http", tcp("127.0.0.1:8080"), "https://nvr.example.org", ""},
		{"https://example.org/nvr/", "http", tcp("127.0.0.1:8080"), "https://example.org/nvr", ""},
		{"nvr.local:8080", "http", tcp("127.0.0.1:8080"), "", "must be an http:// or https:// address"},
	} {
		got, err := publicURL(c.flag, c.scheme, c.addr)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error with %q", c.flag, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q on %s: %q, %v; want %q", c.flag, c.addr, got, err, c.want)
		}
	}
}
