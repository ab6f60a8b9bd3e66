// Package redact hides passwords in URLs before they reach a log line, an error message or a
// non-administrator's screen. It is the one redactor of nvr: nvrd, the CLI, the store's validation errors
// and the worker's relayed log lines all go through it, so a password is always shown the same way,
// as "user:xxxxx@".
package redact

import "regexp"

// Mask is what a password is replaced with.
const Mask = "xxxxx"

// userinfoRe finds "scheme://user:password@" in any text. The password part runs to the last '@'
// before the path or the next blank, as url.Parse reads it, so a password holding an unescaped '@'
// is hidden whole.
var userinfoRe = regexp.MustCompile(`(://[^/\s:@]*):[^/\s]*@`)

// URL returns rawURL with its password, if any, replaced by Mask. A URL without a password is
// returned exactly as written (demo:// stays demo://), and a URL that does not parse is still
// redacted, since it is matched as text.
func URL(rawURL string) string { return String(rawURL) }

// String replaces the password of every URL in s (a log line, a GStreamer message) by Mask.
func String(s string) string {
	return userinfoRe.ReplaceAllString(s, "$1:"+Mask+"@")
}
