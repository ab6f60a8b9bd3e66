package store

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// validateONVIF checks the optional ONVIF address: host[:port] or an http:// URL with a host (use-go/onvif speaks plain HTTP).
func (c *Camera) validateONVIF() error {
	c.ONVIF = strings.TrimSpace(c.ONVIF)
	raw := c.ONVIF
	if raw == "" {
		return nil
	}
	if len(raw) > MaxURLBytes {
		return fmt.Errorf("onvif address is %d bytes long; at most %d are accepted", len(raw), MaxURLBytes)
	}
	if err := ValidateText("onvif address", raw); err != nil {
		return err
	}
	host := raw
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return fmt.Errorf("onvif address %q must be host[:port] or an http:// URL", redactRaw(raw))
		}
		host = u.Host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" || strings.ContainsAny(host, "/ @?#") {
		return fmt.Errorf("onvif address %q must be host[:port] or an http:// URL", redactRaw(raw))
	}
	return nil
}
