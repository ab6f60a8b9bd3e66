package worker

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
)

// How RTP reaches the worker (Media.Transport, the camera status's "transport").
const (
	TransportTCP = "tcp" // interleaved in the RTSP connection: tried first (one port, firewalls like it)
	TransportUDP = "udp" // the camera refused TCP interleaving (461 Unsupported Transport)
)

// RTSPS policy: a camera's certificate is accepted whatever it is, and its SHA-256 fingerprint is
// recorded (camera status "tls_fingerprint", the worker's log) so a person can compare it with the one
// the camera's own web page shows. Cameras make their own self-signed certificates, for an IP address,
// and make new ones on a reset or firmware update; refusing those would stop recording, which an NVR
// must not do over a certificate nobody could have checked. TLS still keeps the password and the video
// from anyone listening on the network. The same policy holds in GStreamer (rtspsrc
// tls-validation-flags=0) and in the DESCRIBE here.

// fingerprint records the certificate a TLS handshake saw.
type fingerprint struct {
	mu  sync.Mutex
	hex string
}

// tlsConfig accepts any certificate and records the first one's SHA-256.
func (f *fingerprint) tlsConfig() *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, // the RTSPS policy above: cameras' certificates are self-signed
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) > 0 {
				f.set(cs.PeerCertificates[0])
			}
			return nil
		},
	}
}

func (f *fingerprint) set(c *x509.Certificate) {
	sum := sha256.Sum256(c.Raw)
	f.mu.Lock()
	f.hex = hex.EncodeToString(sum[:])
	f.mu.Unlock()
}

func (f *fingerprint) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hex
}

// dialDeadline dials with a deadline on the whole connection, which gortsplib replaces by its own for
// each request: the TLS handshake, which gortsplib sets none for, cannot wait forever on a camera that
// does not speak TLS (it waits for the rest of an RTSP request that never comes).
func dialDeadline(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{Timeout: describeTimeout}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(describeTimeout))
	return c, nil
}

// tryTCP asks the camera for the video track interleaved in the RTSP connection. A camera that answers
// 461 Unsupported Transport gets UDP instead; any other answer leaves TCP, and the pipeline's own error
// says what is wrong.
func tryTCP(rawURL string, c *gortsplib.Client, desc *description.Session) (string, error) {
	var video *description.Media
	for _, m := range desc.Medias {
		if m.Type == description.MediaTypeVideo {
			video = m
			break
		}
	}
	if video == nil {
		return TransportTCP, nil
	}
	_, err := c.Setup(desc.BaseURL, video, 0, 0)
	var bad liberrors.ErrClientBadStatusCode
	switch {
	case errors.As(err, &bad) && bad.Code == base.StatusUnsupportedTransport:
		return TransportUDP, nil
	case errors.As(err, &bad) && bad.Code == base.StatusUnauthorized:
		return TransportTCP, &StreamError{Message: unauthorized(rawURL), Detail: "SETUP: " + err.Error()}
	}
	return TransportTCP, nil
}

// explainDescribe turns the failures of the DESCRIBE that the worker can name for sure (credentials,
// TLS) into a *StreamError; others are returned as they are, and the pipeline's error explains them.
func explainDescribe(rawURL string, err error) error {
	var bad liberrors.ErrClientBadStatusCode
	if errors.As(err, &bad) && bad.Code == base.StatusUnauthorized {
		return &StreamError{Message: unauthorized(rawURL), Detail: "DESCRIBE: " + err.Error()}
	}
	if msg := tlsFailure(rawURL, err); msg != "" {
		return &StreamError{Message: msg, Detail: "DESCRIBE: " + err.Error()}
	}
	return err
}

// unauthorized is the sentence for a 401: the camera refused the credentials, or wants some.
func unauthorized(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.User != nil && u.User.Username() != "" {
		return "the camera refused the user name or password (401 Unauthorized) at " + hostOf(rawURL)
	}
	return "the camera at " + hostOf(rawURL) + " asks for a user name and password (401 Unauthorized); enter the camera's user and password"
}

// tlsFailure is the sentence for an rtsps:// camera whose TLS handshake failed, or "" when err is not
// about TLS.
func tlsFailure(rawURL string, err error) string {
	if !strings.HasPrefix(strings.ToLower(rawURL), "rtsps:") {
		return ""
	}
	host := hostOf(rawURL)
	var rh tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &rh):
		return "the camera at " + host + " does not speak TLS on that port (use rtsp:// for it, or the camera's RTSPS port)"
	case errors.As(err, &alert):
		return fmt.Sprintf("the camera at %s refused the TLS handshake (%v); check that RTSPS is on in the camera", host, error(alert))
	case strings.Contains(err.Error(), "tls:"):
		return "TLS with the camera at " + host + " failed: " + strings.TrimSpace(err.Error()[strings.Index(err.Error(), "tls:"):])
	}
	return ""
}

// notTLS is the sentence for a TLS handshake with addr that got no TLS answer at all: a camera speaking
// plain RTSP on that port either waits for the rest of a request that never comes (a timeout) or
// closes the connection on the ClientHello it cannot parse (EOF or a reset). It returns "" for other errors.
func notTLS(addr string, err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("the camera at %s does not speak TLS on that port (no answer to the TLS handshake in %s; use rtsp:// for it, or the camera's RTSPS port)", addr, tlsHandshakeTimeout)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return fmt.Sprintf("the camera at %s does not speak TLS on that port (it closed the connection at the TLS handshake; use rtsp:// for it, or the camera's RTSPS port)", addr)
	}
	return ""
}

// tlsHandshakeTimeout bounds the TLS handshake diagnoseTLS makes.
const tlsHandshakeTimeout = 5 * time.Second

// diagnoseTLS shakes hands with an rtsps:// camera (accepting any certificate, as the pipeline does)
// to say why GStreamer could not connect, or returns "" when the handshake works.
func diagnoseTLS(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	addr := hostOf(rawURL)
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "322")
	}
	var fp fingerprint
	raw, err := net.DialTimeout("tcp", addr, tlsHandshakeTimeout)
	if err != nil {
		return "" // not about TLS: diagnoseConnect says why
	}
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(tlsHandshakeTimeout))
	conn := tls.Client(raw, fp.tlsConfig())
	err = conn.Handshake()
	if err == nil {
		return ""
	}
	if msg := notTLS(addr, err); msg != "" {
		return msg
	}
	if msg := tlsFailure(rawURL, err); msg != "" {
		return msg
	}
	return "TLS with the camera at " + addr + " failed: " + err.Error()
}
