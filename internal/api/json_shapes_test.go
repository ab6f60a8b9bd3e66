package api

import (
	"encoding/json"
	"regexp"
	"testing"
)

// TestOneTimeFormat: recordings, events and the record-now answer write times the same way: RFC 3339
// in UTC with milliseconds.
func TestOneTimeFormat(t *testing.T) {
	e := newEnv(t)
	format := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	check := func(what, path, method, body string) {
		t.Helper()
		code, out := e.do(t, method, path, e.admin, body, nil)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil || code >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, code, out)
		}
		items, ok := v.([]any)
		if !ok {
			items = []any{v}
		}
		if len(items) == 0 {
			t.Fatalf("%s: nothing to check", what)
		}
		for _, it := range items {
			m := it.(map[string]any)
			for _, k := range []string{"start", "end", "since", "until"} {
				if s, ok := m[k].(string); ok && !format.MatchString(s) {
					t.Errorf("%s: %s is %q, not RFC 3339 UTC with milliseconds", what, k, s)
				}
			}
		}
	}
	check("recordings", "/api/recordings", "GET", "")
	check("events", "/api/events", "GET", "")
	check("record now", "/api/cameras/yard/record", "POST", `{"seconds":5}`)
}
