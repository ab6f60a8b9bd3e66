package api

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
)

// FuzzCameraBody decodes arbitrary bodies as POST /api/cameras and PATCH /api/cameras/{id} do: a
// rejected body gets a 4xx with a one-line JSON error; an accepted and valid camera survives the trip
// out through cameraOut and back in unchanged in what matters (name, URL, mode).
func FuzzCameraBody(f *testing.F) {
	for _, s := range []string{`{"name":"Gate","url":"rtsp://10.0.0.7/s"}`, `{"record":{"mode":"continuous"}}`,
		`{"name":"x","url":"rtsp://h/","motion":{"enabled":false},"defaults":{}}`, `[]`, `{"name":1}`, `{"nope":true}`, `{} {}`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c := store.Camera{Enabled: true, CameraSettings: store.DefaultSettings()}
		before := c.CameraSettings
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/api/cameras", strings.NewReader(body))
		if !decodeBody(w, r, &cameraIn{Camera: &c}) {
			if w.Code < 400 || w.Code >= 500 {
				t.Fatalf("rejected body answered %d", w.Code)
			}
			var e struct{ Error string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" || strings.Contains(e.Error, "\n") {
				t.Fatalf("error answer %q", w.Body.String())
			}
			return
		}
		c.KeepDefaults(before)
		if c.Validate() != nil {
			return
		}
		out, err := json.Marshal(cameraOut(&c))
		if err != nil {
			t.Fatal(err)
		}
		back := store.Camera{CameraSettings: store.DefaultSettings()}
		w = httptest.NewRecorder()
		r = httptest.NewRequest("PATCH", "/api/cameras/x", strings.NewReader(string(out)))
		if !decodeBody(w, r, &cameraIn{Camera: &back}) {
			t.Fatalf("our own output %s is refused: %s", out, w.Body)
		}
		if err := back.Validate(); err != nil || back.Name != c.Name || back.URL != c.URL || back.Record.Mode != c.Record.Mode {
			t.Fatalf("round trip: %v %+v != %+v", err, back, c)
		}
	})
}
