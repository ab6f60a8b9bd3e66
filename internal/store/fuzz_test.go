package store

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzValidateURL checks camera URLs as the API and CLI get them: never a panic, an error is one line
// and never shows the URL's password, and an accepted URL is rtsp, rtsps or demo.
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{"rtsp://10.0.0.7:554/stream1", "rtsps://cam.local/x", "demo://", "http://x", "rtsp://[::1", "rtsp://a:b@h:99999/"} {
		f.Add(s, "")
	}
	f.Add("rtsp://", "h/p")
	const secret = "S3cretPassw0rd"
	f.Fuzz(func(t *testing.T, raw, hostPath string) {
		for _, u := range []string{raw, "rtsp://admin:" + secret + "@" + hostPath} {
			err := ValidateURL(u)
			if err == nil {
				s := strings.ToLower(strings.TrimSpace(u)) // URL schemes are case-insensitive (RFC 3986), as url.Parse reads them
				if !strings.HasPrefix(s, "rtsp://") && !strings.HasPrefix(s, "rtsps://") && !strings.HasPrefix(s, "demo:") {
					t.Fatalf("accepted %q", u)
				}
				continue
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the password: %q", err)
			}
		}
	})
}

// FuzzDecodeSegs decodes arbitrary bytes as a recording's packed segment list (the index column a
// damaged database could hold): never a panic, and what decodes re-encodes to the same entries.
func FuzzDecodeSegs(f *testing.F) {
	f.Add(encodeSegs(nil, SegEntry{Index: 0, Duration: 2e9, Bytes: 188, Keyframes: 1}, SegEntry{Index: 1, Offset: 2e9, Duration: 2e9, Bytes: 376}))
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		segs, err := decodeSegs(b)
		if err != nil {
			return
		}
		again, err := decodeSegs(encodeSegs(nil, segs...))
		if err != nil || !reflect.DeepEqual(again, segs) && len(segs) > 0 {
			t.Fatalf("re-encode: %v %+v != %+v", err, again, segs)
		}
	})
}
