package supervisor

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// TestCertificateChangeIsLogged: the same certificate again says nothing; a new one is logged with
// both fingerprints, and the status shows the new one.
func TestCertificateChangeIsLogged(t *testing.T) {
	var buf bytes.Buffer
	c := &Camera{log: slog.New(slog.NewTextHandler(&buf, nil))}
	c.mediaStatus(&ipc.Status{Codec: "h264", TLSFingerprint: "aaaa"})
	c.mediaStatus(&ipc.Status{Codec: "h264", TLSFingerprint: "aaaa"})
	c.mediaStatus(&ipc.Status{Codec: "h264"}) // a status without TLS facts (a plain-RTSP URL)
	if buf.Len() != 0 {
		t.Fatalf("logged without a change: %s", buf.String())
	}
	c.mediaStatus(&ipc.Status{Codec: "h264", TLSFingerprint: "bbbb"})
	if out := buf.String(); !strings.Contains(out, "certificate changed") || !strings.Contains(out, "was_sha256=aaaa") || !strings.Contains(out, "sha256=bbbb") {
		t.Fatalf("a changed certificate logged as %q", out)
	}
	if c.media.TLSFingerprint != "bbbb" {
		t.Fatalf("status fingerprint %q, want the new one", c.media.TLSFingerprint)
	}
}
