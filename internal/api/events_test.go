package api

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
)

// TestListEventsDoesNotWrite: GET /api/events shows each event with the recording that holds it, and
// writes nothing to the database (the link is looked up, not stored by a read).
func TestListEventsDoesNotWrite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Event 1 is yard's, made now; yard's recording 1 runs from a minute ago, 2 s long: extend it to now.
	rec, err := e.st.GetRecording(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := e.st.GetEvent(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.ReplaceSegments(ctx, rec.ID, rec.Start, []store.SegEntry{{Index: 0, Duration: ev.Start.Sub(rec.Start) + 10e9, Bytes: 188}}); err != nil {
		t.Fatal(err)
	}
	code, body := e.do(t, "GET", "/api/events?camera=yard", e.admin, "", nil)
	var evs []struct {
		ID        string  `json:"id"`
		Recording *string `json:"recording"`
	}
	if err := json.Unmarshal([]byte(body), &evs); code != 200 || err != nil || len(evs) != 1 {
		t.Fatalf("GET /api/events: %d %s %v", code, body, err)
	}
	if evs[0].Recording == nil || *evs[0].Recording != strconv.FormatInt(rec.ID, 10) {
		t.Fatalf("event shows recording %v, want %d", evs[0].Recording, rec.ID)
	}
	if got, err := e.st.GetEvent(ctx, 1); err != nil || got.RecordingID != "" {
		t.Fatalf("GET /api/events wrote the event's recording link to the database: %q %v", got.RecordingID, err)
	}
}
