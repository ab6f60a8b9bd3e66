package api

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"testing/fstest"
)

// TestPolicyAllowsOnlyTheImportMap: the page's inline import map is allowed by its hash, nothing else
// inline is, and a page without one keeps the base policy.
func TestPolicyAllowsOnlyTheImportMap(t *testing.T) {
	const importMap = `{"imports":{"preact":"./vendor/preact.module.js"}}`
	page := `<head><script type="importmap">` + importMap + `</script><script type="module" src="boot.js"></script></head>`
	sum := sha256.Sum256([]byte(importMap))
	want := "script-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "';"
	got := policyFor(fstest.MapFS{"index.html": {Data: []byte(page)}})
	if !strings.Contains(got, want) {
		t.Fatalf("policy %q does not allow the import map by its hash (%q)", got, want)
	}
	if strings.Contains(got, "unsafe-inline") || strings.Count(got, "sha256-") != 1 {
		t.Fatalf("policy %q allows more than the one import map", got)
	}
	if p := policyFor(fstest.MapFS{"index.html": {Data: []byte("<p>no scripts</p>")}}); p != contentSecurityPolicy {
		t.Fatalf("a page without an import map got %q", p)
	}
}
