// Package ui holds nvr's web page. Its static files are embedded in nvrd; third-party scripts (mpegts.js)
// are copied from npm packages into static/vendor by scripts/setup, so the page works with no internet.
package ui

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the page's files, rooted at static/.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // static is embedded at build time; this cannot fail
	}
	return sub
}
