package onvif

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// getSystemDateAndTime is the one request every ONVIF device answers without an account.
const getSystemDateAndTime = `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>` +
	`<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>`

// dialError says in one sentence why Dial of addr failed: nothing listens, nothing answers, or a
// device that speaks ONVIF (it answered an unsigned request with a SOAP envelope, even a fault)
// refused the account, which is what the library's own error cannot tell apart.
func dialError(addr string, t Target, err error) error {
	c := &http.Client{Timeout: requestTimeout}
	resp, perr := c.Post("http://"+addr+"/onvif/device_service", "application/soap+xml; charset=utf-8", strings.NewReader(getSystemDateAndTime))
	if perr != nil {
		var op *net.OpError
		if errors.As(perr, &op) && op.Op == "dial" {
			return whyErr(err, "nothing answers at %s: check the ONVIF address and port (often 80, 8000 or 8080)", addr)
		}
		return whyErr(err, "no ONVIF device answers at %s", addr)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if bytes.Contains(b, []byte("Envelope")) {
		if t.User == "" {
			return whyErr(err, "the ONVIF device at %s wants a user name and password", addr)
		}
		return whyErr(err, "the ONVIF device at %s refused the user name or password", addr)
	}
	return whyErr(err, "%s answers HTTP but not ONVIF at /onvif/device_service", addr)
}

// why is a sentence for the person reading it; the library's error stays reachable through Unwrap.
type why struct {
	msg string
	err error
}

func (w *why) Error() string { return w.msg }
func (w *why) Unwrap() error { return w.err }

func whyErr(err error, format string, args ...any) error {
	return &why{msg: fmt.Sprintf(format, args...), err: err}
}
