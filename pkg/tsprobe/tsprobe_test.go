package tsprobe

import (
	"bytes"
	"testing"
)

// A stream the demuxer cannot read is an error in words, never a panic (the real-stream cases are in
// internal/e2e's probe tests, through the worker).
func TestAnalyzeRefusesWhatIsNotTS(t *testing.T) {
	for name, in := range map[string][]byte{
		"empty":           nil,
		"text":            []byte("RTSP/1.0 401 Unauthorized\r\n\r\n"),
		"sync bytes only": bytes.Repeat(append([]byte{0x47}, make([]byte, 187)...), 20),
	} {
		if res, err := Analyze(in); err == nil {
			t.Errorf("%s: no error, result %+v", name, res)
		}
	}
}

func TestWarningsInputs(t *testing.T) {
	v := &Video{Codec: "h264", ProfileIDC: 100}
	if !v.BrowserPlayable() {
		t.Error("High profile H.264 is said not to play in browsers")
	}
	for _, bad := range []*Video{{Codec: "h264", ProfileIDC: 110}, {Codec: "h264", ProfileIDC: 122}, {Codec: "h265", ProfileIDC: 1}} {
		if bad.BrowserPlayable() {
			t.Errorf("%s profile %d is said to play in browsers", bad.Codec, bad.ProfileIDC)
		}
	}
	if (&Video{KeyframesSeen: 2, SpanS: 5}).Enough() {
		t.Error("two keyframes are enough for an interval but Enough wants three")
	}
}
