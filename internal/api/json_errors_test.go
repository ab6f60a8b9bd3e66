package api

import (
	"strings"
	"testing"
)

// TestWrongJSONTypeNamesTheField: a value of the wrong JSON type is named by its JSON path and the JSON
// type wanted, without Go names.
func TestWrongJSONTypeNamesTheField(t *testing.T) {
	srv := newTestServer(t)
	for body, want := range map[string]string{
		`{"name":"X","url":"rtsp://h/s","motion":{"threshold":"high"}}`: "motion.threshold must be a number, not a string",
		`{"name":"X","url":"rtsp://h/s","record":{"pre_roll_s":1.5}}`:   "record.pre_roll_s must be a whole number",
		`{"name":"X","url":"rtsp://h/s","enabled":"yes"}`:               "enabled must be true or false, not a string",
		`{"name":"X","url":"rtsp://h/s","detect":{"labels":"person"}}`:  "detect.labels must be a list, not a string",
		`{"name":"X","url":"rtsp://h/s","record":3}`:                    "record must be an object, not a number",
	} {
		code, out := call(t, srv, "POST", "/api/cameras", body)
		msg, _ := out["error"].(string)
		if code != 400 || !strings.Contains(msg, want) || strings.Contains(msg, "CameraSettings") || strings.Contains(msg, "float64") || strings.Contains(msg, "[]string") {
			t.Errorf("%s: got %d %q, want 400 with %q", body, code, msg, want)
		}
	}
}
