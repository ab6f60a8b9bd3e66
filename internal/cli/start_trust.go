package cli

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"
)

// addTrustFlags adds the flags about whom nvrd believes: reverse proxies.
func addTrustFlags(cmd *cobra.Command, f *startFlags) {
	cmd.Flags().StringArrayVar(&f.trustedProxies, "trusted-proxy", nil,
		"a reverse proxy (address or CIDR) whose X-Forwarded-For header names the client, for login limits and the audit log (repeatable)")
}

// parseTrustedProxies reads --trusted-proxy values: CIDRs, or single addresses.
func parseTrustedProxies(vals []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy %q is not an address or CIDR (like 10.0.0.5 or 10.0.0.0/24)", v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
