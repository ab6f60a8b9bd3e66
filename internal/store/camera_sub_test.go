package store

import (
	"context"
	"strings"
	"testing"
)

// TestCameraSubURL: the substream URL is optional, checked like the main URL (with its own name in the
// error, the password hidden), and kept by the store.
func TestCameraSubURL(t *testing.T) {
	for raw, want := range map[string]string{
		"http://cam/sub":         "substream URL must start with rtsp://",
		"demo://":                "substream URL must start with rtsp://",
		"rtsp://u:secret@/s":     "substream URL",
		"rtsp://cam/s\x00":       "substream URL",
		"rtsp://u:secret@h:x/ss": "substream URL",
	} {
		c := Camera{Name: "x", URL: "rtsp://cam/main", CameraSettings: DefaultSettings()}
		c.SubURL = raw
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("sub_url %q: error %v, want one containing %q without the password", raw, err, want)
		}
	}
	st := openTestStore(t)
	c := &Camera{Name: "Dual", URL: "rtsp://cam/main", Enabled: true, CameraSettings: DefaultSettings()}
	c.SubURL = " rtsp://cam/sub "
	if err := st.CreateCamera(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	got, err := st.Camera(context.Background(), c.ID)
	if err != nil || got.SubURL != "rtsp://cam/sub" {
		t.Fatalf("stored sub_url %q (%v), want rtsp://cam/sub", got.SubURL, err)
	}
}
