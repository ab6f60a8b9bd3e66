package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// The headers of a webhook POST. The signature is
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), timestamp being the X-NVR-Timestamp
// header (Unix seconds): a receiver recomputes it over the raw body, compares in constant time and
// refuses old timestamps (replays).
const (
	HeaderSignature = "X-NVR-Signature"
	HeaderTimestamp = "X-NVR-Timestamp"
	HeaderDelivery  = "X-NVR-Delivery" // the delivery's id: the same on every retry of one message
	HeaderEvent     = "X-NVR-Event"    // new, update, end or test
)

// Sign returns the X-NVR-Signature value of a body sent at timestamp ts (Unix seconds).
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header against the body and timestamp header, as a receiver would.
func Verify(secret, signature, timestamp string, body []byte) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature))
}

// attempt is the outcome of one POST.
type attempt struct {
	status int   // HTTP status; 0 if there was no answer
	err    error // nil: delivered (2xx)
	retry  bool  // worth trying again
}

// post sends one delivery to its rule's URL.
func (s *Service) post(ctx context.Context, h *store.Webhook, d *store.WebhookDelivery) attempt {
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return attempt{err: fmt.Errorf("the webhook URL %q cannot be used: %v", h.URL, err)}
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "nvr-webhook")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	req.Header.Set(HeaderEvent, d.EventType)
	if h.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(h.Secret, ts, d.Payload))
	}
	resp, err := s.opt.Client.Do(req)
	if err != nil {
		return attempt{err: errors.New(words(err, h.URL, s.opt.Timeout)), retry: true}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return attempt{status: code}
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return attempt{status: code, retry: true,
			err: fmt.Errorf("the receiver answered HTTP %d %s", code, http.StatusText(code))}
	default:
		return attempt{status: code,
			err: fmt.Errorf("the receiver refused the message with HTTP %d %s (not retried: check the URL and the receiver)", code, http.StatusText(code))}
	}
}

// words says why a POST got no answer, for the delivery log.
func words(err error, rawURL string, timeout time.Duration) string {
	host := rawURL
	if u, perr := url.Parse(rawURL); perr == nil {
		host = u.Host
	}
	var dns *net.DNSError
	var cert x509.UnknownAuthorityError
	var host509 x509.HostnameError
	var inv x509.CertificateInvalidError
	var rec tls.RecordHeaderError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return fmt.Sprintf("%s did not answer within %s", host, timeout)
	case errors.As(err, &dns):
		return fmt.Sprintf("the host name %q could not be found (DNS)", dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("nothing is listening at %s (connection refused)", host)
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("%s cannot be reached from this server (no route)", host)
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("%s closed the connection without an answer", host)
	case errors.As(err, &cert):
		return fmt.Sprintf("the TLS certificate of %s is not signed by a trusted authority", host)
	case errors.As(err, &host509):
		return fmt.Sprintf("the TLS certificate of %s is for another name (%v)", host, host509.Error())
	case errors.As(err, &inv):
		return fmt.Sprintf("the TLS certificate of %s is not valid (%v)", host, inv.Error())
	case errors.As(err, &rec):
		return fmt.Sprintf("%s does not speak TLS: use http:// instead of https://", host)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Sprintf("the message could not be sent to %s: %v", host, err)
}
