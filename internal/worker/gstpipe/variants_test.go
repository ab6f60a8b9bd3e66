package gstpipe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/internal/worker"
)

// variantClip is the small clip the RTSP-variant cameras send: 320×180, 25 fps, a keyframe a second.
var variantClip = testcam.Clip{Width: 320, Height: 180, FPS: 25, KeyInt: 25, BitrateKbps: 300, Frames: 100}

// runVariant runs the worker's pipeline against a camera started with opt until the TS holds pictures
// video PES, and returns the TS, the pipeline's media facts and the timestamp jumps it reported.
func runVariant(t *testing.T, cam *testcam.Server, url string, pictures int) ([]byte, worker.Media, int64) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.ts")
	var jumps atomic.Int64
	p, err := New(worker.Spec{URL: url, FIFO: out, OnJump: func(time.Duration) { jumps.Add(1) }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	media := p.(worker.MediaReporter).Media()
	ctx, cancel := context.WithCancel(context.Background())
	var frames atomic.Int64
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, func(worker.Frame) { frames.Add(1) }) }()
	deadline := time.Now().Add(30 * time.Second)
	var ts []byte
	for {
		ts, _ = os.ReadFile(out)
		pes, _ := testcam.ReadVideoPES(ts)
		if len(pes) >= pictures && frames.Load() >= 2 {
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("pipeline ended after %d video PES: %v", len(pes), err)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("within 30 s: %d video PES (want %d), %d keyframes decoded", len(pes), pictures, frames.Load())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	return ts, media, jumps.Load()
}

// failVariant builds and runs the pipeline against url and returns the plain sentence it fails with.
func failVariant(t *testing.T, url string) string {
	t.Helper()
	p, err := New(worker.Spec{URL: url, FIFO: filepath.Join(t.TempDir(), "out.ts")})
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = p.Run(ctx, func(worker.Frame) {})
	}
	var se *worker.StreamError
	if !errors.As(err, &se) {
		t.Fatalf("%s: want a *StreamError with a sentence, got %v", url, err)
	}
	return se.Message
}

func startVariant(t *testing.T, opt testcam.Options) *testcam.Server {
	t.Helper()
	if opt.AUs == nil {
		opt.AUs = stream(t, variantClip).AUs
	}
	cam, err := testcam.Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cam.Close)
	return cam
}

// TestRTSPVariantsStream: cameras that ask for Digest or Basic authentication, speak RTSPS with a
// self-signed certificate, refuse TCP interleaving (UDP on loopback), or send SPS/PPS only in the SDP
// all give whole pictures from a keyframe on; the pipeline says which transport it uses and the
// certificate's fingerprint.
func TestRTSPVariantsStream(t *testing.T) {
	cases := []struct {
		name      string
		opt       testcam.Options
		transport string
	}{
		{"digest", testcam.Options{User: "admin", Pass: "s3cret", Variant: testcam.Variant{Auth: testcam.AuthDigest}}, worker.TransportTCP},
		{"basic", testcam.Options{User: "admin", Pass: "s3cret", Variant: testcam.Variant{Auth: testcam.AuthBasic}}, worker.TransportTCP},
		{"rtsps", testcam.Options{User: "admin", Pass: "x", Variant: testcam.Variant{TLS: true, Auth: testcam.AuthDigest}}, worker.TransportTCP},
		{"udp-only", testcam.Options{Variant: testcam.Variant{UDP: true, RefuseTCP: true}}, worker.TransportUDP},
		{"sps-pps-in-sdp", testcam.Options{Variant: testcam.Variant{ParamsInSDP: true}}, worker.TransportTCP},
		// Joined mid-GOP: the parser has the SPS/PPS from the SDP at once, the FIFO must still start at
		// the next keyframe.
		{"sps-pps-in-sdp-mid-gop", testcam.Options{StartAt: 12, Variant: testcam.Variant{ParamsInSDP: true}}, worker.TransportTCP},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cam := startVariant(t, tc.opt)
			ts, media, _ := runVariant(t, cam, cam.URL(), 3*variantClip.KeyInt)
			if media.Transport != tc.transport {
				t.Errorf("transport %q, want %q", media.Transport, tc.transport)
			}
			if fp := cam.CertFingerprint(); media.TLSFingerprint != fp {
				t.Errorf("TLS fingerprint %q, want the camera's %q", media.TLSFingerprint, fp)
			}
			pes, err := testcam.ReadVideoPES(ts)
			if err != nil {
				t.Fatal(err)
			}
			f, err := testcam.CheckAUs(pes)
			t.Logf("%d PES: %+v", len(pes), f)
			if err != nil {
				t.Fatal(err)
			}
			if !pes[0].RandomAccess || f.Keyframes < 2 {
				t.Fatalf("first PES keyframe %v, %d keyframes", pes[0].RandomAccess, f.Keyframes)
			}
			// Every keyframe carries its SPS and PPS (h264parse config-interval=-1), also when the camera
			// sends them only in the SDP: a player joining there must be able to decode.
			for i, p := range pes {
				if p.RandomAccess && !(hasNAL(p.Data, 7) && hasNAL(p.Data, 8)) {
					t.Fatalf("keyframe PES %d has no SPS/PPS", i)
				}
			}
		})
	}
}

// hasNAL says whether an Annex-B byte stream holds a NAL unit of H.264 type typ.
func hasNAL(b []byte, typ byte) bool {
	for i := 0; i+3 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 && b[i+3]&0x1f == typ {
			return true
		}
	}
	return false
}

// TestTimestampJumpsKeptContinuous: a camera whose RTP timestamps jump an hour forward and then two
// hours back every two seconds gives a TS whose presentation times move by one frame at a time, and
// each jump is reported.
func TestTimestampJumpsKeptContinuous(t *testing.T) {
	const hour = 90000 * 3600
	cam := startVariant(t, testcam.Options{Variant: testcam.Variant{Jumps: []int64{hour, -2 * hour}, JumpEvery: 50}})
	ts, _, jumps := runVariant(t, cam, cam.URL(), 8*variantClip.FPS)
	pes, err := testcam.ReadVideoPES(ts)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := testcam.PresentationGaps(pes[1:])
	t.Logf("%d PES, presentation steps %d..%d (90 kHz), %d jumps reported", len(pes), lo, hi, jumps)
	if hi > 90000/2 {
		t.Fatalf("two pictures in a row are %.1f s apart in the TS: the camera's jump went through", float64(hi)/90000)
	}
	if jumps < 2 {
		t.Fatalf("%d jumps reported over 8 s of a camera that jumps every 2 s", jumps)
	}
	var prev int64 = -1
	for i, p := range pes {
		d := p.DTS
		if d < 0 {
			d = p.PTS
		}
		if prev >= 0 && d < prev {
			t.Fatalf("PES %d decodes at %d, before the previous %d", i, d, prev)
		}
		prev = d
	}
}

// TestRTSPVariantFailuresSayWhy: a wrong password (Digest and Basic), no password, rtsps:// to a
// camera without TLS, and a camera that refuses both transports each fail with their sentence.
func TestRTSPVariantFailuresSayWhy(t *testing.T) {
	digest := startVariant(t, testcam.Options{User: "admin", Pass: "right", Variant: testcam.Variant{Auth: testcam.AuthDigest}})
	basic := startVariant(t, testcam.Options{User: "admin", Pass: "right", Variant: testcam.Variant{Auth: testcam.AuthBasic}})
	plain := startVariant(t, testcam.Options{})
	refusing := startVariant(t, testcam.Options{Variant: testcam.Variant{RefuseTCP: true}})
	cases := []struct{ name, url, want string }{
		{"digest wrong password", "rtsp://admin:wrong@" + digest.Addr() + "/stream", "the camera refused the user name or password"},
		{"basic wrong password", "rtsp://admin:wrong@" + basic.Addr() + "/stream", "the camera refused the user name or password"},
		{"no password", "rtsp://" + digest.Addr() + "/stream", "asks for a user name and password"},
		{"rtsps without TLS", "rtsps://" + plain.Addr() + "/stream", "does not speak TLS on that port"},
		{"no transport", refusing.URL(), "refused every way nvr asked it to send video"},
	}
	for _, c := range cases {
		got := failVariant(t, c.url)
		t.Logf("%s: %q", c.name, got)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want it to say %q", c.name, got, c.want)
		}
		if strings.Contains(got, "wrong") {
			t.Errorf("%s: the sentence shows the password: %q", c.name, got)
		}
	}
}
