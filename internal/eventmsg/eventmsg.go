// Package eventmsg is the one JSON shape in which integrations hand an event's change to the outside:
// MQTT's <prefix>/events message and the body of a webhook POST, {"type":"new|update|end","before",
// "after"}. A Tracker turns the event engine's stream of event states into those messages.
package eventmsg

import (
	"strconv"

	"github.com/nvrproject/nvr/internal/store"
)

// Event is an event as integrations show it.
type Event struct {
	ID           string     `json:"id"`
	Camera       string     `json:"camera"`
	Kind         string     `json:"kind"`
	Label        string     `json:"label"`
	Labels       []string   `json:"labels"`
	Score        float64    `json:"score"`
	Box          *store.Box `json:"box"`
	Zones        []string   `json:"zones"`
	Text         string     `json:"text,omitempty"`
	Start        string     `json:"start"`
	End          *string    `json:"end"`
	HasSnapshot  bool       `json:"has_snapshot"`
	HasRecording bool       `json:"has_recording"`
	Snapshot     *string    `json:"snapshot"`
}

// FromStore converts a stored event.
func FromStore(e store.Event) Event {
	j := Event{ID: strconv.FormatInt(e.ID, 10), Camera: e.CameraID, Kind: e.Kind, Labels: e.Labels,
		Score: e.Score, Zones: []string{}, Text: e.Text, Start: e.Start.UTC().Format(store.TimeFormat),
		HasSnapshot: e.HasSnapshot || e.Snapshot != nil, HasRecording: e.RecordingID != ""}
	if j.Labels == nil {
		j.Labels = []string{}
	}
	if len(e.Labels) > 0 {
		j.Label = e.Labels[0]
	}
	if len(e.Boxes) > 0 {
		b := e.Boxes[0]
		j.Box = &b
	}
	if !e.End.IsZero() {
		t := e.End.UTC().Format(store.TimeFormat)
		j.End = &t
	}
	if j.HasSnapshot {
		u := e.SnapshotURL()
		j.Snapshot = &u
	}
	return j
}

// Message types.
const (
	New    = "new"
	Update = "update"
	End    = "end"
)

// Message is one change of an event: its state before (nil for new) and after.
type Message struct {
	Type   string `json:"type"` // new | update | end
	Before *Event `json:"before"`
	After  Event  `json:"after"`
}

// Tracker remembers the open events so each new state of one becomes the right message. It is not
// safe for concurrent use: one owner goroutine feeds it.
type Tracker struct {
	open map[int64]store.Event
}

// NewTracker returns an empty tracker.
func NewTracker() *Tracker { return &Tracker{open: map[int64]store.Event{}} }

// Next returns the messages of an event's new state: one, or two (new, then end) for an event first
// seen already ended (a manual event).
func (t *Tracker) Next(e store.Event) []Message {
	before, seen := t.open[e.ID]
	msg := Message{Type: New, After: FromStore(e)}
	if seen {
		b := FromStore(before)
		msg.Before = &b
		msg.Type = Update
	}
	if e.End.IsZero() {
		t.open[e.ID] = e
		return []Message{msg}
	}
	delete(t.open, e.ID)
	msg.Type = End
	if !seen {
		return []Message{{Type: New, After: msg.After}, msg}
	}
	return []Message{msg}
}
