package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// tlsFlags are nvrd start's HTTPS flags.
type tlsFlags struct {
	cert, key    string // a real certificate and its key (PEM)
	insecureHTTP bool   // plain HTTP on a non-loopback address, knowingly
	force        bool   // HTTPS even on loopback (tests, or a reverse proxy that speaks HTTPS)
}

func addTLSFlags(cmd *cobra.Command, f *tlsFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.cert, "tls-cert", "", "certificate (PEM) to serve HTTPS with, instead of the self-signed one nvrd makes in the data directory")
	fl.StringVar(&f.key, "tls-key", "", "private key (PEM) of --tls-cert")
	fl.BoolVar(&f.insecureHTTP, "insecure-http", false, "serve plain HTTP on a non-loopback address (passwords and cookies cross the network in clear)")
	fl.BoolVar(&f.force, "tls", false, "serve HTTPS even when listening on loopback")
}

// useTLS is the HTTPS policy: HTTPS unless the listener is loopback-only or --insecure-http says
// otherwise; a given certificate or --tls always means HTTPS. loopback says whether the listen address
// is loopback-only (see loopbackOnly).
func useTLS(f tlsFlags, loopback bool) (bool, error) {
	if (f.cert == "") != (f.key == "") {
		return false, errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	if f.cert != "" || f.force {
		if f.insecureHTTP {
			return false, errors.New("--insecure-http contradicts --tls/--tls-cert: choose one")
		}
		return true, nil
	}
	return !loopback && !f.insecureHTTP, nil
}

// loopbackOnly reports whether a listen address only accepts connections from this machine:
// 127.0.0.0/8, ::1 or localhost. An empty host (":8080") listens on every interface.
func loopbackOnly(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.Unmap().IsLoopback()
}

// tlsConfig loads the given certificate or the data directory's self-signed one (made on first use).
// It returns the config and the certificate's SHA-256 fingerprint and SPKI hash (base64, as Chromium's
// --ignore-certificate-errors-spki-list takes it).
func tlsConfig(f tlsFlags, dataDir string) (cfg *tls.Config, fingerprint, spki string, made bool, err error) {
	certFile, keyFile := f.cert, f.key
	if certFile == "" {
		certFile, keyFile = filepath.Join(dataDir, "tls", "cert.pem"), filepath.Join(dataDir, "tls", "key.pem")
		if made, err = ensureSelfSigned(certFile, keyFile); err != nil {
			return nil, "", "", false, err
		}
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, "", "", false, fmt.Errorf("cannot load the TLS certificate %s with key %s: %w", certFile, keyFile, err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, "", "", false, fmt.Errorf("the TLS certificate %s cannot be read: %w", certFile, err)
	}
	fingerprint, spki = CertFingerprint(leaf)
	cfg = &tls.Config{
		Certificates: []tls.Certificate{pair},
		MinVersion:   tls.VersionTLS12,
		// HTTP/1.1 only: the live WebSocket upgrades an HTTP/1.1 connection.
		NextProtos: []string{"http/1.1"},
	}
	return cfg, fingerprint, spki, made, nil
}

// CertFingerprint returns a certificate's SHA-256 fingerprint (hex, colon-separated, as browsers show
// it) and the base64 SHA-256 of its public key (SPKI).
func CertFingerprint(c *x509.Certificate) (fingerprint, spki string) {
	sum := sha256.Sum256(c.Raw)
	hx := strings.ToUpper(hex.EncodeToString(sum[:]))
	var parts []string
	for i := 0; i < len(hx); i += 2 {
		parts = append(parts, hx[i:i+2])
	}
	ps := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return strings.Join(parts, ":"), base64.StdEncoding.EncodeToString(ps[:])
}

// ensureSelfSigned makes an ECDSA P-256 certificate for this machine's names when none is there yet
// (the key 0600). It reports whether it made one.
func ensureSelfSigned(certFile, keyFile string) (bool, error) {
	if _, err := os.Stat(certFile); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return false, fmt.Errorf("cannot make the TLS directory: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return false, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return false, err
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "nvr " + host, Organization: []string{"nvr (self-signed)"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if host != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ipn.IP)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return false, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return false, err
	}
	// The key first (0600, written whole before the certificate that says it exists).
	if err := writeFileAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return false, err
	}
	if err := writeFileAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return false, err
	}
	return true, nil
}

func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if _, err := f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
