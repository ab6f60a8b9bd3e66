package redact

import "testing"

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"rtsp://admin:s3cret@cam/stream":      "rtsp://admin:xxxxx@cam/stream",
		"rtsp://admin:s3cret@cam:554/stream":  "rtsp://admin:xxxxx@cam:554/stream",
		"rtsp://admin:p@ss@10.0.0.9/stream":   "rtsp://admin:xxxxx@10.0.0.9/stream",
		"rtsp://admin:@cam/stream":            "rtsp://admin:xxxxx@cam/stream",
		"rtsp://admin@cam/stream":             "rtsp://admin@cam/stream",
		"rtsp://cam:554/stream":               "rtsp://cam:554/stream",
		"demo://":                             "demo://",
		"rtsp://a:b@c/%zz":                    "rtsp://a:xxxxx@c/%zz", // does not parse, still hidden
		"rtsps://u:p%40ss@[fe80::1]:322/live": "rtsps://u:xxxxx@[fe80::1]:322/live",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestString(t *testing.T) {
	in := `0:00:01 WARN rtspsrc: could not connect to rtsp://admin:s3cret@10.0.0.9/stream, then rtsp://b:t0p@h/x`
	want := `0:00:01 WARN rtspsrc: could not connect to rtsp://admin:xxxxx@10.0.0.9/stream, then rtsp://b:xxxxx@h/x`
	if got := String(in); got != want {
		t.Errorf("String:\n got %q\nwant %q", got, want)
	}
}
