package worker

import (
	"errors"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/testcam"
)

// TestDescribeVariants asks real test cameras (gortsplib on loopback; no GStreamer) what they send:
// Digest credentials from the URL, the transport (UDP only when the camera refuses TCP), an rtsps://
// camera's certificate fingerprint, and the failures the worker names for sure.
func TestDescribeVariants(t *testing.T) {
	aus := [][][]byte{{{0x65, 0x88, 0x84, 0x00}}} // one IDR slice: the DESCRIBE never plays it
	start := func(opt testcam.Options) *testcam.Server {
		t.Helper()
		opt.AUs = aus
		cam, err := testcam.Start(opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cam.Close)
		return cam
	}
	digest := start(testcam.Options{User: "op", Pass: "right", Variant: testcam.Variant{Auth: testcam.AuthDigest}})
	udp := start(testcam.Options{Variant: testcam.Variant{UDP: true, RefuseTCP: true}})
	tlsCam := start(testcam.Options{Variant: testcam.Variant{TLS: true}})
	plain := start(testcam.Options{})

	for _, c := range []struct {
		name, url, transport, fingerprint string
	}{
		{"digest", digest.URL(), TransportTCP, ""},
		{"udp", udp.URL(), TransportUDP, ""},
		{"rtsps", tlsCam.URL(), TransportTCP, tlsCam.CertFingerprint()},
		{"plain", plain.URL(), TransportTCP, ""},
	} {
		m, err := Describe(c.url)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if m.Video != CodecH264 || m.Transport != c.transport || m.TLSFingerprint != c.fingerprint {
			t.Errorf("%s: %+v, want h264 over %s with fingerprint %q", c.name, m, c.transport, c.fingerprint)
		}
	}

	for _, c := range []struct{ name, url, want string }{
		{"wrong password", "rtsp://op:wrong@" + digest.Addr() + "/stream", "the camera refused the user name or password"},
		{"no password", "rtsp://" + digest.Addr() + "/stream", "asks for a user name and password"},
		{"rtsps without TLS", "rtsps://" + plain.Addr() + "/stream", "does not speak TLS on that port"},
	} {
		_, err := Describe(c.url)
		var se *StreamError
		if !errors.As(err, &se) || !strings.Contains(se.Message, c.want) {
			t.Errorf("%s: %v, want a StreamError saying %q", c.name, err, c.want)
		} else if strings.Contains(se.Message, "wrong") {
			t.Errorf("%s: the sentence shows the password: %q", c.name, se.Message)
		}
	}
}
