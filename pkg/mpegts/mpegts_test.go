package mpegts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// realTS encodes 50 frames with a keyframe every 10 through GStreamer's mpegtsmux, as the worker does.
func realTS(t *testing.T) []byte {
	t.Helper()
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		testskip.Skip(t, "gst-launch-1.0 is not installed", "run make setup")
	}
	out := filepath.Join(t.TempDir(), "x.ts")
	cmd := exec.Command("gst-launch-1.0", "-q", "videotestsrc", "num-buffers=50", "!", "video/x-raw,width=320,height=240,framerate=25/1",
		"!", "x264enc", "key-int-max=10", "tune=zerolatency", "speed-preset=ultrafast", "!", "h264parse", "config-interval=-1",
		"!", "video/x-h264,stream-format=byte-stream,alignment=au", "!", "mpegtsmux", "!", "filesink", "location="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gst-launch: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPSIAndKeyframesOnMuxerOutput(t *testing.T) {
	ts := realTS(t)
	if len(ts)%PacketSize != 0 {
		t.Fatalf("muxer output is %d bytes, not whole packets", len(ts))
	}
	var psi PSI
	keyframes := 0
	firstVideoIsKey := false
	sawVideo := false
	for i := 0; i < len(ts); i += PacketSize {
		p := ts[i : i+PacketSize]
		if psi.Observe(p) {
			continue
		}
		if psi.VideoPID != 0 && PID(p) == psi.VideoPID && PUSI(p) && !sawVideo {
			sawVideo = true
			firstVideoIsKey = psi.IsKeyframe(p)
		}
		if psi.IsKeyframe(p) {
			keyframes++
		}
	}
	if psi.PMTPID == 0 || psi.VideoPID == 0 || psi.StreamType != StreamTypeH264 {
		t.Fatalf("PSI not understood: %+v", psi)
	}
	if psi.PAT == nil || psi.PMT == nil {
		t.Fatal("PAT/PMT packets not kept")
	}
	if !firstVideoIsKey {
		t.Fatal("first video PES is not flagged as a keyframe")
	}
	if keyframes != 5 {
		t.Fatalf("want 5 keyframes in 50 frames at key-int-max=10, got %d", keyframes)
	}
}

func TestAlignerSplitsAndResyncs(t *testing.T) {
	ts := realTS(t)
	var a Aligner
	var got []byte
	// Feed in odd-sized chunks with garbage in the middle.
	garbage := []byte{1, 2, 3, 0x47, 9, 9, 9}
	in := append(append(append([]byte{}, ts[:10*PacketSize+50]...), garbage...), ts[10*PacketSize+50:]...)
	for i := 0; i < len(in); i += 1000 {
		end := min(i+1000, len(in))
		out := a.Feed(in[i:end])
		if len(out)%PacketSize != 0 {
			t.Fatalf("Feed returned %d bytes, not whole packets", len(out))
		}
		for j := 0; j < len(out); j += PacketSize {
			if out[j] != SyncByte {
				t.Fatalf("packet without sync byte at %d", j)
			}
		}
		got = append(got, out...)
	}
	if a.Resyncs == 0 {
		t.Fatal("garbage did not cause a resync")
	}
	// The packet the garbage landed in is damaged (its sync byte was intact); everything after the
	// resync is back in step and identical to the input.
	if len(got) != len(ts) || a.Skipped != uint64(len(garbage)) {
		t.Fatalf("got %d bytes (skipped %d), want %d (skipped %d)", len(got), a.Skipped, len(ts), len(garbage))
	}
	if !bytes.Equal(got[:10*PacketSize], ts[:10*PacketSize]) || !bytes.Equal(got[11*PacketSize:], ts[11*PacketSize:]) {
		t.Fatal("packets after resync differ from the input")
	}
}

func FuzzAligner(f *testing.F) {
	f.Add([]byte{0x47, 1, 2}, 5)
	f.Fuzz(func(t *testing.T, data []byte, chunk int) {
		if chunk <= 0 {
			chunk = 1
		}
		var a Aligner
		var psi PSI
		for i := 0; i < len(data); i += chunk {
			out := a.Feed(data[i:min(i+chunk, len(data))])
			if len(out)%PacketSize != 0 {
				t.Fatal("not whole packets")
			}
			for j := 0; j < len(out); j += PacketSize {
				psi.Observe(out[j : j+PacketSize])
				psi.IsKeyframe(out[j : j+PacketSize])
				Payload(out[j : j+PacketSize])
			}
		}
	})
}
