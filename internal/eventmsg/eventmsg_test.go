package eventmsg

import (
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// TestTrackerTypes: an event's states become new, update (with before) and end; one first seen ended
// (a manual event) becomes new then end.
func TestTrackerTypes(t *testing.T) {
	tr := NewTracker()
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	e := store.Event{ID: 1, CameraID: "yard", Kind: store.EventObject, Labels: []string{"person"}, Score: 0.6, Start: t0}
	types := func(ms []Message) (s string) {
		for _, m := range ms {
			s += m.Type + " "
		}
		return s
	}
	if got := tr.Next(e); types(got) != "new " || got[0].Before != nil || got[0].After.Label != "person" || got[0].After.End != nil {
		t.Errorf("first state: %+v", got)
	}
	e.Score = 0.9
	if got := tr.Next(e); types(got) != "update " || got[0].Before == nil || got[0].Before.Score != 0.6 || got[0].After.Score != 0.9 {
		t.Errorf("second state: %+v", got)
	}
	e.End = t0.Add(time.Minute)
	if got := tr.Next(e); types(got) != "end " || got[0].After.End == nil || *got[0].After.End != "2026-12-02T08:01:00.000Z" {
		t.Errorf("ended: %+v", got)
	}
	m := store.Event{ID: 2, CameraID: "yard", Kind: store.EventManual, Start: t0, End: t0.Add(time.Second)}
	if got := tr.Next(m); types(got) != "new end " {
		t.Errorf("a manual event: %s", types(got))
	}
}
