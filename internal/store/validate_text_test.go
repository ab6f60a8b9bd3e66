package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadNamesAndURLsRefused: every name and URL of issue 20 point 7 gets its sentence and nothing is
// stored, on create and on update.
func TestBadNamesAndURLsRefused(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	good := "rtsp://user:pw@192.168.1.20:554/stream"
	for _, c := range []struct{ name, url, want string }{
		{"Red\x1b[31m", good, "control character"},
		{"Two\nLines", good, "control character"},
		{"Nul\x00", good, "control character"},
		{"C1\u0085in", good, "control character"},
		{"gpj.\u202eexe", good, "bidirectional"},
		{"iso\u2066late", good, "bidirectional"},
		{"bad\xffutf8", good, "UTF-8"},
		{"Long URL", "rtsp://10.0.0.1/" + strings.Repeat("a", 100_000), "at most 2048"},
		{"Host colons", "rtsp://host:1:2/stream", "not an IP address or a host name"},
		{"Bad host", "rtsp://ho st/stream", "not a valid URL"},
		{"Underscore ok but slash", "rtsp://a..b/stream", "not an IP address or a host name"},
		{"Port zero", "rtsp://10.0.0.1:0/s", "port"},
		{"Port big", "rtsp://10.0.0.1:70000/s", "port"},
		{"Empty port", "rtsp://10.0.0.1:/s", "port"},
		{"URL ctl", "rtsp://10.0.0.1/s\x1b[2J", "control character"},
	} {
		err := st.CreateCamera(ctx, &Camera{Name: c.name, URL: c.url, CameraSettings: DefaultSettings()})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("name %q url %.40q: %v, want a sentence with %q", c.name, c.url, err, c.want)
		}
	}
	withLabel := &Camera{Name: "Labels", URL: good, CameraSettings: DefaultSettings()}
	withLabel.Detect.Labels = []string{"person", "dog\x1b]0;pwned\x07"}
	if err := st.CreateCamera(ctx, withLabel); err == nil || !strings.Contains(err.Error(), "detect label contains a control character") {
		t.Errorf("a detect label with an escape sequence: %v", err)
	}
	cams, _ := st.Cameras(ctx)
	if len(cams) != 0 {
		t.Fatalf("bad cameras were stored: %+v", cams)
	}
	// Accepted: a leading space is trimmed, IPv6, names with letters of any script.
	c := &Camera{Name: "Café 東門", URL: "  rtsp://[fe80::1]:554/s ", CameraSettings: DefaultSettings()}
	if err := st.CreateCamera(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Camera(ctx, c.ID)
	if got.URL != "rtsp://[fe80::1]:554/s" {
		t.Fatalf("URL stored as %q, not trimmed", got.URL)
	}
	got.Name = "Evil\u202e"
	if err := st.UpdateCamera(ctx, got); err == nil {
		t.Fatal("an update to a name with a bidi override was accepted")
	}
	if again, _ := st.Camera(ctx, c.ID); again.Name != "Café 東門" {
		t.Fatalf("the refused update changed the name to %q", again.Name)
	}
}

func TestPrintableEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"plain Café": "plain Café", "a\x1b[31mb": `a\x1b[31mb`, "n\nl": `n\x0al`, "\u202eexe": `\u202eexe`, "\xff": `\xff`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
