package api

import (
	"encoding/json"
	"testing"
)

// TestSystemTLSShowsFingerprint: GET /api/system/tls gives what nvrd start loaded (any user may read
// it, to compare with the browser's), and says plain HTTP when nvrd serves no certificate.
func TestSystemTLSShowsFingerprint(t *testing.T) {
	want := TLSInfo{HTTPS: true, CertificateSHA256: "AB:CD", SPKISHA256: "c3BraQ==", SelfSigned: true}
	e := newEnv(t, func(o *Options) { o.TLS = func() TLSInfo { return want } })
	code, body := e.do(t, "GET", "/api/system/tls", e.with, "", nil)
	var got TLSInfo
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil || got != want {
		t.Fatalf("GET /api/system/tls as a viewer: %d %s, want %+v", code, body, want)
	}
	plain := newEnv(t)
	code, body = plain.do(t, "GET", "/api/system/tls", plain.admin, "", nil)
	got = TLSInfo{HTTPS: true}
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil || got != (TLSInfo{}) {
		t.Fatalf("without TLS: %d %s, want https false and nothing else", code, body)
	}
}
