package api

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"regexp"
	"strings"
)

// importMapRe finds the page's inline import maps. Browsers load import maps only inline, so the
// policy allows exactly these scripts by their hashes and nothing else inline.
var importMapRe = regexp.MustCompile(`(?s)<script type="importmap">(.*?)</script>`)

// policyFor returns the Content-Security-Policy for the page files ui: the base policy with the
// hashes of index.html's inline import maps added to script-src.
func policyFor(ui fs.FS) string {
	if ui == nil {
		return contentSecurityPolicy
	}
	page, err := fs.ReadFile(ui, "index.html")
	if err != nil {
		return contentSecurityPolicy
	}
	var hashes []string
	for _, m := range importMapRe.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	if len(hashes) == 0 {
		return contentSecurityPolicy
	}
	return strings.Replace(contentSecurityPolicy, "script-src 'self'", "script-src 'self' "+strings.Join(hashes, " "), 1)
}
