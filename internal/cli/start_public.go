package cli

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func addPublicFlags(cmd *cobra.Command, f *startFlags) {
	cmd.Flags().StringVar(&f.publicURL, "public-url", "", "the address people and Home Assistant reach this nvr at, for links to its pages (default: the listen address, with this machine's name when listening on every interface)")
}

// publicURL is the web app's address for links sent outside (Home Assistant's configuration_url):
// --public-url as given, else scheme://host:port of the listener, where a wildcard address (":8080",
// 0.0.0.0, ::) is replaced by this machine's name.
func publicURL(flag, scheme string, addr net.Addr) (string, error) {
	if flag != "" {
		u, err := url.Parse(flag)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", fmt.Errorf("--public-url %q must be an http:// or https:// address such as https://nvr.example.org:8443", flag)
		}
		return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.Path, "/"), nil
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "", fmt.Errorf("the listen address %s has no port: %w", addr, err)
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil && name != "" {
			host = name
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port), nil
}
