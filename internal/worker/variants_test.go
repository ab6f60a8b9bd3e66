package worker

import (
	"errors"
	"net"
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

// TestDiagnoseTLSOnPlainPorts: an rtsps:// URL to a port whose server does not speak TLS gets the
// "does not speak TLS on that port" sentence however that server reacts to the ClientHello: it closes
// the connection (EOF), resets it, or answers bytes that are not a TLS record.
func TestDiagnoseTLSOnPlainPorts(t *testing.T) {
	for _, c := range []struct {
		name  string
		serve func(net.Conn)
	}{
		{"closes", func(c net.Conn) { _ = c.Close() }},
		{"resets", func(c net.Conn) {
			_, _ = c.Read(make([]byte, 512))
			_ = c.(*net.TCPConn).SetLinger(0)
			_ = c.Close()
		}},
		{"answers RTSP", func(c net.Conn) {
			_, _ = c.Read(make([]byte, 512))
			_, _ = c.Write([]byte("RTSP/1.0 400 Bad Request\r\nCSeq: 0\r\n\r\n"))
			_ = c.Close()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				conn, err := ln.Accept()
				if err == nil {
					c.serve(conn)
				}
			}()
			defer func() { ln.Close(); <-done }()
			msg := diagnoseTLS("rtsps://" + ln.Addr().String() + "/stream")
			if !strings.Contains(msg, "does not speak TLS on that port") || !strings.Contains(msg, ln.Addr().String()) {
				t.Errorf("diagnoseTLS says %q, want it to say the camera at %s does not speak TLS on that port", msg, ln.Addr())
			}
		})
	}
}
