package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTLSPolicy: HTTPS unless the listener is loopback-only or --insecure-http is given; a certificate
// or --tls always means HTTPS; contradictions are refused.
func TestTLSPolicy(t *testing.T) {
	for _, c := range []struct {
		listen  string
		f       tlsFlags
		want    bool
		wantErr bool
	}{
		{"127.0.0.1:8080", tlsFlags{}, false, false},  // make run
		{"[::1]:8080", tlsFlags{}, false, false},      // loopback v6
		{"localhost:8080", tlsFlags{}, false, false},  // loopback by name
		{":8080", tlsFlags{}, true, false},            // every interface: HTTPS
		{"0.0.0.0:8080", tlsFlags{}, true, false},     // every interface: HTTPS
		{"192.168.1.5:8080", tlsFlags{}, true, false}, // a LAN address: HTTPS
		{"nvr.lan:8080", tlsFlags{}, true, false},     // a name: HTTPS
		{":8080", tlsFlags{insecureHTTP: true}, false, false},
		{"127.0.0.1:8080", tlsFlags{force: true}, true, false},
		{"127.0.0.1:8080", tlsFlags{cert: "c.pem", key: "k.pem"}, true, false},
		{":8080", tlsFlags{cert: "c.pem"}, false, true},
		{":8080", tlsFlags{force: true, insecureHTTP: true}, false, true},
	} {
		got, err := useTLS(c.f, loopbackOnly(c.listen))
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("--listen %s %+v: TLS %v err %v, want TLS %v err %v", c.listen, c.f, got, err, c.want, c.wantErr)
		}
	}
}

// TestSelfSignedCertificateKept: the first start makes an ECDSA certificate with a 0600 key in the
// data directory; later starts use the same one.
func TestSelfSignedCertificateKept(t *testing.T) {
	dir := t.TempDir()
	cfg, fp, spki, made, err := tlsConfig(tlsFlags{}, dir)
	if err != nil || !made || len(cfg.Certificates) != 1 || len(fp) != 95 || spki == "" {
		t.Fatalf("first: made %v fp %q spki %q err %v", made, fp, spki, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "tls", "key.pem"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want mode 0600", fi.Mode(), err)
	}
	if cfg.Certificates[0].Leaf == nil || cfg.Certificates[0].Leaf.PublicKeyAlgorithm.String() != "ECDSA" {
		t.Fatalf("the certificate is not ECDSA: %+v", cfg.Certificates[0].Leaf)
	}
	_, fp2, _, made2, err := tlsConfig(tlsFlags{}, dir)
	if err != nil || made2 || fp2 != fp {
		t.Fatalf("second start: made %v fingerprint %s (was %s) err %v", made2, fp2, fp, err)
	}
}
