package api

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// The events page's calls: pages through ?before=, each user's own review marks (reviewed in the JSON,
// ?reviewed=hide), and an admin's delete that keeps the recording.
func TestEventsPagingReviewedDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := range 4 {
		ev := &store.Event{CameraID: "yard", Kind: store.EventMotion, Start: time.Now().Add(time.Duration(-i-1) * time.Minute)}
		if err := e.st.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	type evj struct {
		ID       string `json:"id"`
		Reviewed bool   `json:"reviewed"`
	}
	list := func(tok, q string) []evj {
		t.Helper()
		code, body := e.do(t, "GET", "/api/events?camera=yard"+q, tok, "", nil)
		var evs []evj
		if err := json.Unmarshal([]byte(body), &evs); code != 200 || err != nil {
			t.Fatalf("GET /api/events%s: %d %s", q, code, body)
		}
		return evs
	}
	// yard has event 1 (now) and 3..6 (older): two pages of 3 and 2.
	p1 := list(e.with, "&limit=3")
	p2 := list(e.with, "&limit=3&before="+p1[2].ID)
	if len(p1) != 3 || len(p2) != 2 || p1[0].ID != "1" || p2[1].ID != "6" {
		t.Fatalf("pages %v then %v", p1, p2)
	}
	if code, body := e.do(t, "GET", "/api/events?before=abc", e.with, "", nil); code != 400 {
		t.Fatalf("before=abc: %d %s", code, body)
	}
	if code, _ := e.do(t, "GET", "/api/events?before=999", e.with, "", nil); code != 404 {
		t.Fatalf("before a gone event: %d, want 404", code)
	}

	if code, body := e.do(t, "POST", "/api/events/1/reviewed", e.with, "", nil); code != 200 {
		t.Fatalf("mark reviewed: %d %s", code, body)
	}
	if l := list(e.with, ""); !l[0].Reviewed || l[1].Reviewed {
		t.Fatalf("neighbour's list after marking 1: %v", l)
	}
	if l := list(e.admin, ""); l[0].Reviewed {
		t.Fatalf("the admin sees the neighbour's mark: %v", l)
	}
	if l := list(e.with, "&reviewed=hide"); len(l) != 4 || l[0].ID == "1" {
		t.Fatalf("hidden reviewed: %v", l)
	}
	var one evj
	if code, body := e.do(t, "GET", "/api/events/1", e.with, "", nil); code != 200 || json.Unmarshal([]byte(body), &one) != nil || one.ID != "1" || !one.Reviewed {
		t.Fatalf("GET /api/events/1 after marking: %d %s", code, body)
	}
	if code, _ := e.do(t, "GET", "/api/events/2", e.with, "", nil); code != 403 {
		t.Fatalf("GET of the other camera's event: %d, want 403", code)
	}
	if code, _ := e.do(t, "DELETE", "/api/events/1/reviewed", e.with, "", nil); code != 200 {
		t.Fatalf("unmark: %d", code)
	}
	if l := list(e.with, "&reviewed=hide"); len(l) != 5 {
		t.Fatalf("after unmarking: %v", l)
	}
	if code, _ := e.do(t, "POST", "/api/events/999/reviewed", e.admin, "", nil); code != 404 {
		t.Fatalf("marking an unknown event: %d, want 404", code)
	}

	open := &store.Event{CameraID: "yard", Kind: store.EventMotion, Start: time.Now()}
	if err := e.st.CreateEvent(ctx, open); err != nil {
		t.Fatal(err)
	}
	if code, body := e.do(t, "DELETE", "/api/events/"+strconv.FormatInt(open.ID, 10), e.admin, "", nil); code != 409 {
		t.Fatalf("delete of an open event: %d %s, want 409", code, body)
	}
	if code, body := e.do(t, "DELETE", "/api/events/1", e.admin, "", nil); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	if _, err := e.st.GetEvent(ctx, 1); err == nil {
		t.Fatal("event 1 is still there after DELETE")
	}
	if _, err := e.st.GetRecording(ctx, 1); err != nil {
		t.Fatalf("the recording went with the event: %v", err)
	}
	if code, _ := e.do(t, "DELETE", "/api/events/1", e.admin, "", nil); code != 404 {
		t.Fatalf("second delete: %d, want 404", code)
	}
}
