package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
)

// TestCameraListEscapesControlCharacters: a name stored before validation existed, with an escape
// sequence, a new line and a bidi override, is printed escaped; the terminal never gets them raw.
func TestCameraListEscapesControlCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCamera(context.Background(), &store.Camera{Name: "Gate", URL: "rtsp://10.0.0.9/s", CameraSettings: store.DefaultSettings()}); err != nil {
		t.Fatal(err)
	}
	// As an older nvrd would have stored it.
	if _, err := st.DB().Exec(`UPDATE cameras SET name=? WHERE id='gate'`, "Gate\x1b[31m\nfake row\u202e"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, err := runNvrd(t, "camera", "list", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out, "\x1b\u202e") || strings.Count(out, "\n") != 2 {
		t.Fatalf("camera list printed raw control characters:\n%q", out)
	}
	if !strings.Contains(out, `Gate\x1b[31m\x0afake row\u202e`) {
		t.Fatalf("camera list does not show the escaped name:\n%q", out)
	}
	// Adding such a name through the CLI is refused in one sentence.
	if _, err := runNvrd(t, "camera", "add", "--name", "Bad\x1bname", "--url", "rtsp://10.0.0.9/t", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "control character") {
		t.Fatalf("camera add with an escape character: %v", err)
	}
}
