package store

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxURLBytes is the longest camera URL accepted.
const MaxURLBytes = 2048

// ValidateText rejects text that would mislead a terminal or a page when shown: invalid UTF-8, C0 and C1
// control characters (escape sequences, new lines, NUL) and the bidirectional overrides and isolates
// (U+202A–U+202E, U+2066–U+2069) that reorder what is displayed. what names the field in the sentence.
func ValidateText(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8 text", what)
	}
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return fmt.Errorf("%s contains a control character (%U); use only printable characters", what, r)
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return fmt.Errorf("%s contains a bidirectional text override (%U); use only printable characters", what, r)
		}
	}
	return nil
}

// Printable returns s with every character ValidateText rejects written as an escape (\x1b, \u202e), so
// values stored before validation existed can be printed safely.
func Printable(s string) string {
	if ValidateText("", s) == nil {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var hostLabelRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$`)

// validHost accepts an IP address or a DNS name of letters, digits, '-' and '_' labels.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if !hostLabelRe.MatchString(l) {
			return false
		}
	}
	return true
}

// checkHostPort validates a parsed camera URL's host and port.
func checkHostPort(u *url.URL) error {
	host := u.Hostname()
	if host == "" {
		return errors.New("camera URL has no host; it should look like rtsp://user:password@192.168.1.20:554/stream")
	}
	if strings.HasPrefix(u.Host, "[") != (strings.Contains(host, ":")) || !validHost(host) {
		return fmt.Errorf("camera URL host %q is not an IP address or a host name", Printable(host))
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("camera URL port %q is not a number from 1 to 65535", p)
		}
	}
	return nil
}
