package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestCameraSettingsShowEffectiveValues: unset settings show the value that applies (max_age_days 30, not
// 0) and are listed in "defaults"; what a client GETs it can PATCH back unchanged and the settings stay
// defaults; a value set explicitly is no longer listed.
func TestCameraSettingsShowEffectiveValues(t *testing.T) {
	srv := newTestServer(t)
	code, c := call(t, srv, "POST", "/api/cameras", `{"name":"Porch","url":"rtsp://10.0.0.9/s"}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, c)
	}
	check := func(c map[string]any, maxAge float64, defaultAge bool) {
		t.Helper()
		rec, _ := c["record"].(map[string]any)
		motion, _ := c["motion"].(map[string]any)
		detect, _ := c["detect"].(map[string]any)
		if rec["max_age_days"] != maxAge || motion["threshold"] != 2.0 || motion["min_frames"] != 1.0 ||
			detect["min_area"] != 0.001 || detect["idle_interval_s"] != 15.0 || detect["record_on"] != "motion" ||
			len(detect["labels"].([]any)) == 0 {
			t.Fatalf("camera does not show the values that apply: %v", c)
		}
		var defs []string
		for _, d := range c["defaults"].([]any) {
			defs = append(defs, d.(string))
		}
		for _, want := range []string{"motion.threshold", "motion.min_frames", "detect.labels", "detect.min_area"} {
			if !slices.Contains(defs, want) {
				t.Errorf("defaults %v lacks %s", defs, want)
			}
		}
		if slices.Contains(defs, "record.max_age_days") != defaultAge || slices.Contains(defs, "record.mode") {
			t.Errorf("defaults %v: record.max_age_days listed %v, want %v", defs, !defaultAge, defaultAge)
		}
	}
	check(c, 30, true)
	_, c = call(t, srv, "GET", "/api/cameras/porch", "")
	check(c, 30, true)
	_, list := callList(t, srv, "/api/cameras")
	for _, l := range list {
		check(l, 30, true)
	}
	if len(list) != 3 {
		t.Fatalf("list: %v", list)
	}

	// Round trip: PATCH back what GET gave.
	body, _ := json.Marshal(c)
	code, c = call(t, srv, "PATCH", "/api/cameras/porch", string(body))
	if code != 200 {
		t.Fatalf("PATCH of the GET body: %d %v", code, c)
	}
	check(c, 30, true)
	code, c = call(t, srv, "PATCH", "/api/cameras/porch", `{"record":{"max_age_days":60}}`)
	if code != 200 {
		t.Fatalf("PATCH max_age_days: %d %v", code, c)
	}
	check(c, 60, false)
	_, c = call(t, srv, "GET", "/api/cameras/porch", "")
	check(c, 60, false)
}

// callList is a GET of a route that answers a JSON array.
func callList(t *testing.T, srv *httptest.Server, path string) (int, []map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if tok, ok := adminTokens.Load(srv); ok {
		req.Header.Set("Authorization", "Bearer "+tok.(string))
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, out
}

// TestCameraShowsDefaultValues: a camera with its own retention still says what the default is, so the
// settings page can tell both.
func TestCameraShowsDefaultValues(t *testing.T) {
	srv := newTestServer(t)
	code, c := call(t, srv, "POST", "/api/cameras", `{"name":"Porch","url":"rtsp://10.0.0.9/s","record":{"mode":"events","max_age_days":45}}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, c)
	}
	dv, _ := c["default_values"].(map[string]any)
	want := map[string]any{"record.max_age_days": 30.0, "motion.threshold": 2.0, "motion.min_frames": 1.0,
		"detect.idle_interval_s": 15.0, "detect.record_on": "motion", "detect.min_area": 0.001}
	for k, v := range want {
		if dv[k] != v {
			t.Errorf("default_values[%s] = %v, want %v (all: %v)", k, dv[k], v, dv)
		}
	}
	if l, _ := dv["detect.labels"].([]any); len(l) == 0 {
		t.Errorf("default_values has no default labels: %v", dv)
	}
	if rec, _ := c["record"].(map[string]any); rec["max_age_days"] != 45.0 {
		t.Errorf("the camera's own retention is shown as %v", rec["max_age_days"])
	}
}
