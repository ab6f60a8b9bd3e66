package api

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// GET /api/events/{ev} of an object event carries its sightings, oldest first, times in RFC 3339;
// the list does not.
func TestEventJSONHasSightings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	ev := &store.Event{CameraID: "yard", Kind: store.EventObject, Start: t0, End: t0.Add(10 * time.Second), Labels: []string{"person"}}
	if err := e.st.CreateEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	ss := []store.Sighting{
		{T: t0.Add(4 * time.Second), Label: "person", Score: 0.8, Box: [4]float64{0.5, 0.1, 0.7, 0.9}},
		{T: t0, Label: "person", Score: 0.6, Box: [4]float64{0.1, 0.1, 0.3, 0.9}},
	}
	if err := e.st.AddSightings(ctx, ev.ID, ss); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(ev.ID, 10)
	code, body := e.do(t, "GET", "/api/events/"+id, e.with, "", nil)
	var got struct {
		Sightings []struct {
			T     string     `json:"t"`
			Label string     `json:"label"`
			Score float64    `json:"score"`
			Box   [4]float64 `json:"box"`
		} `json:"sightings"`
	}
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil {
		t.Fatalf("GET /api/events/%s: %d %s", id, code, body)
	}
	if len(got.Sightings) != 2 {
		t.Fatalf("sightings %+v, want 2", got.Sightings)
	}
	first, second := got.Sightings[0], got.Sightings[1]
	if first.T != t0.UTC().Format(store.TimeFormat) || first.Box[0] != 0.1 || second.Box[0] != 0.5 || second.Score != 0.8 || second.Label != "person" {
		t.Errorf("sightings %+v", got.Sightings)
	}
	var dec store.Event
	if err := json.Unmarshal([]byte(body), &dec); err != nil || len(dec.Sightings) != 2 || !dec.Sightings[1].T.Equal(t0.Add(4*time.Second)) {
		t.Errorf("decoded %+v %v", dec.Sightings, err)
	}
	code, body = e.do(t, "GET", "/api/events?camera=yard", e.with, "", nil)
	var list []map[string]any
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list) == 0 {
		t.Fatalf("list: %d %s", code, body)
	}
	if _, ok := list[0]["sightings"]; ok {
		t.Errorf("the list carries sightings: %s", body)
	}
}
