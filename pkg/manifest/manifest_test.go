package manifest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func signed(t *testing.T) (*Signer, []byte, []byte) {
	t.Helper()
	s, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	file := bytes.Repeat([]byte("not really an mp4 "), 1000)
	w, fill := Hasher()
	w.Write(file)
	m := Manifest{File: "clip.mp4", Camera: "gate", Name: "Gate", Start: time.Unix(1000, 0).UTC(), End: time.Unix(1060, 0).UTC()}
	fill(&m)
	sig, err := s.Sign(m)
	if err != nil {
		t.Fatal(err)
	}
	return s, file, sig
}

// TestVerify: a clean file verifies; a flipped byte, a changed span, another key each fail with a
// sentence saying which.
func TestVerify(t *testing.T) {
	s, file, sig := signed(t)
	m, err := Verify(bytes.NewReader(file), sig, s.PublicKey())
	if err != nil || m.Camera != "gate" || m.Instance != s.InstanceID() {
		t.Fatalf("clean export: %v %+v", err, m)
	}
	flipped := append([]byte(nil), file...)
	flipped[len(flipped)/2] ^= 1
	if _, err := Verify(bytes.NewReader(flipped), sig, nil); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("flipped byte: %v", err)
	}
	if _, err := Verify(bytes.NewReader(file[1:]), sig, nil); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Fatalf("short file: %v", err)
	}
	changed := bytes.Replace(sig, []byte(`"end": "1970-01-01T00:17:40Z"`), []byte(`"end": "1970-01-01T00:18:40Z"`), 1)
	if bytes.Equal(changed, sig) {
		t.Fatalf("the test did not change the span:\n%s", sig)
	}
	if _, err := Verify(bytes.NewReader(file), changed, nil); err == nil || !strings.Contains(err.Error(), "does not match its signature") {
		t.Fatalf("changed span: %v", err)
	}
	other, _, _ := signed(t)
	if _, err := Verify(bytes.NewReader(file), sig, other.PublicKey()); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Fatalf("other key: %v", err)
	}
	if _, err := Verify(bytes.NewReader(file), []byte("{}"), nil); err == nil {
		t.Fatal("an empty manifest verified")
	}
	var env envelope
	if err := json.Unmarshal(sig, &env); err != nil {
		t.Fatal(err)
	}
}

// TestKeyKeptPrivate: the key is made once, mode 0600, and the same key comes back.
func TestKeyKeptPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.key")
	a, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateKey(path)
	if err != nil || !a.PublicKey().Equal(b.PublicKey()) {
		t.Fatalf("second load: %v", err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %o", fi.Mode().Perm())
	}
}
