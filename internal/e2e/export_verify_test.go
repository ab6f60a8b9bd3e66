package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
)

// TestVerifiableExport: an MP4 exported through the API and its export.mp4.sig verify with nvrd
// verify (also against the key from /api/system/signing-key); one flipped byte or a changed span in
// the manifest fails with a sentence saying which; nvrd export writes a .sig that verifies.
func TestVerifiableExport(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	cam := startCamera(t, testcam.Options{})
	p := startNVRD(t)
	if _, errOut, err := p.cli(t, "camera", "add", "--name", "Gate", "--url", cam.URL(), "--record", "continuous"); err != nil {
		t.Fatal(errOut)
	}
	waitSegments(t, p, 4)
	var recs []recordingOut
	if p.getJSON(t, "/api/recordings?camera=gate", &recs); len(recs) == 0 {
		t.Fatal("no recording")
	}
	start, _ := time.Parse(time.RFC3339Nano, recs[len(recs)-1].Start)
	q := url.Values{"since": {start.Add(-time.Second).UTC().Format(time.RFC3339Nano)},
		"until": {start.Add(4 * time.Second).UTC().Format(time.RFC3339Nano)}}.Encode()
	dir := t.TempDir()
	fetch := func(path, file string) string {
		t.Helper()
		resp, err := p.get(t, path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: HTTP %d %s", path, resp.StatusCode, b)
		}
		out := filepath.Join(dir, file)
		os.WriteFile(out, b, 0o644)
		return out
	}
	clip := fetch("/api/cameras/gate/export.mp4?"+q, "clip.mp4")
	sig := fetch("/api/cameras/gate/export.mp4.sig?"+q, "clip.mp4.sig")
	var key struct {
		PublicKey   string `json:"public_key"`
		Fingerprint string `json:"fingerprint"`
	}
	if p.getJSON(t, "/api/system/signing-key", &key); key.PublicKey == "" {
		t.Fatal("no public key from /api/system/signing-key")
	}
	out, errOut, err := p.cli(t, "verify", clip, sig, "--key", key.PublicKey)
	if err != nil || !strings.Contains(out, "is valid") || !strings.Contains(out, key.Fingerprint) {
		t.Fatalf("clean export: %v %q %q", err, out, errOut)
	}
	// One flipped byte in the clip.
	b, _ := os.ReadFile(clip)
	b[len(b)/2] ^= 0x01
	bad := filepath.Join(dir, "flipped.mp4")
	os.WriteFile(bad, b, 0o644)
	if _, errOut, err := p.cli(t, "verify", bad, sig); err == nil || !strings.Contains(errOut, "SHA-256") {
		t.Fatalf("flipped byte: %v %q", err, errOut)
	}
	// A changed span in the manifest.
	s, _ := os.ReadFile(sig)
	var env struct{ Manifest map[string]any }
	json.Unmarshal(s, &env)
	end, _ := env.Manifest["end"].(string)
	if end == "" {
		t.Fatalf("no end in the manifest: %s", s)
	}
	changed := bytes.Replace(s, []byte(end), []byte(start.Add(time.Hour).UTC().Format(time.RFC3339Nano)), 1)
	badSig := filepath.Join(dir, "changed.sig")
	os.WriteFile(badSig, changed, 0o644)
	if _, errOut, err := p.cli(t, "verify", clip, badSig); err == nil || !strings.Contains(errOut, "does not match its signature") {
		t.Fatalf("changed span: %v %q", err, errOut)
	}
	// nvrd export writes clip.mp4.sig beside the file.
	cliClip := filepath.Join(dir, "cli.mp4")
	since, until := start.Add(-time.Second).UTC().Format(time.RFC3339Nano), start.Add(4*time.Second).UTC().Format(time.RFC3339Nano)
	if _, errOut, err := p.cli(t, "export", "--camera", "Gate", "--since", since, "--until", until, "-o", cliClip); err != nil {
		t.Fatalf("nvrd export: %v %s", err, errOut)
	}
	if out, errOut, err := p.cli(t, "verify", cliClip, cliClip+".sig", "--key", key.PublicKey); err != nil || !strings.Contains(out, "is valid") {
		t.Fatalf("nvrd export's signature: %v %q %q", err, out, errOut)
	}
	if fi, err := os.Stat(filepath.Join(p.data, "signing.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signing key: %v %v", err, fi)
	}
}
