// Package manifest makes and checks the signed manifests that come with nvr's MP4 exports: the
// SHA-256 of the file, the camera, the span it covers and the nvr instance that made it, signed with
// the instance's Ed25519 key, so a third party can tell that a clip is what that nvr exported.
//
// A .sig file is JSON: {"manifest": {...}, "public_key": "<base64>", "signature": "<base64>"}; the
// signature is over the manifest's bytes exactly as they appear in the file.
package manifest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Manifest describes one exported file.
type Manifest struct {
	Version  int       `json:"version"`  // 1
	File     string    `json:"file"`     // the file's name when exported (informational)
	Bytes    int64     `json:"bytes"`    // its size
	SHA256   string    `json:"sha256"`   // hex
	Camera   string    `json:"camera"`   // camera id
	Name     string    `json:"name"`     // camera name
	Start    time.Time `json:"start"`    // first recorded frame in the file
	End      time.Time `json:"end"`      // end of the last segment
	Instance string    `json:"instance"` // InstanceID of the signing key
	Created  time.Time `json:"created"`
}

// envelope is the .sig file.
type envelope struct {
	Manifest  json.RawMessage `json:"manifest"`
	PublicKey string          `json:"public_key"`
	Signature string          `json:"signature"`
}

// Signer signs manifests with one instance's key.
type Signer struct {
	key ed25519.PrivateKey
}

// LoadOrCreateKey reads the PEM (PKCS #8) Ed25519 key at path, creating it with mode 0600 if it does
// not exist. Two processes creating it at once end up with the same key (O_EXCL; the loser reads).
func LoadOrCreateKey(path string) (*Signer, error) {
	if b, err := os.ReadFile(path); err == nil {
		return parseKey(path, b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read the signing key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	body := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	tmp := fmt.Sprintf("%s.tmp-%d", path, os.Getpid())
	if err := os.WriteFile(tmp, body, 0o600); err != nil {
		return nil, fmt.Errorf("write the signing key: %w", err)
	}
	defer os.Remove(tmp)
	if f, err := os.Open(tmp); err == nil {
		_ = f.Sync()
		f.Close()
	}
	// Link fails if another process made the key first: then that key is the one.
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("write the signing key: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the signing key: %w", err)
	}
	return parseKey(path, b)
}

func parseKey(path string, b []byte) (*Signer, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("the signing key %s is not a PEM file", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the signing key %s is damaged: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the signing key %s is not an Ed25519 key", path)
	}
	return &Signer{key: priv}, nil
}

// PublicKey is the key manifests are checked with.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// InstanceID names the nvr instance that owns the key: "nvr-" and the first 16 hex digits of the
// public key's SHA-256.
func (s *Signer) InstanceID() string { return InstanceID(s.PublicKey()) }

// InstanceID is the instance name of a public key.
func InstanceID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "nvr-" + hex.EncodeToString(sum[:8])
}

// Fingerprint is the public key's SHA-256 in hex, for comparing by eye.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])
}

// EncodeKey is a public key as the API and `nvrd verify --key` write it (standard base64).
func EncodeKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// DecodeKey parses EncodeKey's form.
func DecodeKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace([]byte(s))))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("the public key is not a base64 Ed25519 key (32 bytes)")
	}
	return ed25519.PublicKey(b), nil
}

// Hasher returns a writer that hashes what is written through it and a function that fills m's
// Bytes and SHA256 from what was written.
func Hasher() (io.Writer, func(m *Manifest)) {
	h := sha256.New()
	cw := &countWriter{w: h}
	return cw, func(m *Manifest) {
		m.Bytes = cw.n
		m.SHA256 = hex.EncodeToString(h.Sum(nil))
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Sign fills in the instance and version and returns the .sig file's content.
func (s *Signer) Sign(m Manifest) ([]byte, error) {
	m.Version, m.Instance = 1, s.InstanceID()
	if m.Created.IsZero() {
		m.Created = time.Now().UTC()
	}
	body, err := json.MarshalIndent(m, "  ", "  ")
	if err != nil {
		return nil, err
	}
	env := envelope{Manifest: body, PublicKey: EncodeKey(s.PublicKey()),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(s.key, body))}
	out, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Verify checks the file read from r against the .sig content sig. trusted, if not nil, is the key the
// signature must be made with (the nvr's key from its API); otherwise the key inside sig is used and
// the caller should show its fingerprint. The error says, in one sentence, what does not match.
func Verify(r io.Reader, sig []byte, trusted ed25519.PublicKey) (Manifest, error) {
	var env envelope
	var m Manifest
	if err := json.Unmarshal(sig, &env); err != nil || len(env.Manifest) == 0 {
		return m, errors.New("the signature file is not an nvr export manifest")
	}
	pub, err := DecodeKey(env.PublicKey)
	if err != nil {
		return m, fmt.Errorf("the signature file's public key is damaged: %w", err)
	}
	if trusted != nil && !pub.Equal(trusted) {
		return m, fmt.Errorf("the manifest was signed by another key (fingerprint %s), not the one given (%s)", Fingerprint(pub), Fingerprint(trusted))
	}
	sigBytes, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil || !ed25519.Verify(pub, env.Manifest, sigBytes) {
		return m, errors.New("the manifest does not match its signature: its contents (camera, span, hash or instance) were changed after it was signed")
	}
	if err := json.Unmarshal(env.Manifest, &m); err != nil {
		return m, errors.New("the signed manifest cannot be read")
	}
	if m.Instance != InstanceID(pub) {
		return m, fmt.Errorf("the manifest names instance %s but is signed by %s's key", m.Instance, InstanceID(pub))
	}
	w, fill := Hasher()
	if _, err := io.Copy(w, r); err != nil {
		return m, fmt.Errorf("read the file: %w", err)
	}
	var got Manifest
	fill(&got)
	if got.Bytes != m.Bytes {
		return m, fmt.Errorf("the file is %d bytes, the manifest says %d: it is not the exported file", got.Bytes, m.Bytes)
	}
	if got.SHA256 != m.SHA256 {
		return m, fmt.Errorf("the file's SHA-256 is %s, the manifest says %s: the file was changed after export", got.SHA256, m.SHA256)
	}
	return m, nil
}

// SignatureKey is the public key inside a .sig file (nil if it has none).
func SignatureKey(sig []byte) ed25519.PublicKey {
	var env envelope
	if json.Unmarshal(sig, &env) != nil {
		return nil
	}
	k, _ := DecodeKey(env.PublicKey)
	return k
}
