package recorder

import (
	"context"
	"strconv"
	"time"
)

// LinkEvent says that an event of a camera was stored (eventID, from the event engine) after the
// trigger that asked for its footage. The recorder links the event to the recording that trigger
// opened or extended: at once if the recording is indexed, or when its first segment is written.
// Without an open recording (record mode off, or it closed meanwhile) nothing is linked, and the
// event follows the camera's max_age_days. Like Trigger it never blocks: it rides the camera's
// trigger queue, so it is handled after the trigger that came before it.
func (r *Recorder) LinkEvent(cameraID string, eventID int64) {
	if eventID <= 0 {
		return
	}
	r.mu.Lock()
	c := r.cams[cameraID]
	r.mu.Unlock()
	if c == nil {
		return
	}
	select {
	case c.trig <- trigger{event: eventID}:
	default:
		c.stat.triggersDropped.Add(1)
	}
}

// linkEvent links an event to the open recording, or keeps it for the recording's first segment.
// It runs on the owner goroutine.
func (c *camRec) linkEvent(id int64) {
	if c.rec == nil {
		return
	}
	if c.rec.id == 0 {
		c.rec.events = append(c.rec.events, id)
		return
	}
	c.writeEventLink(c.rec.id, id)
}

// linkPending links the events that waited for the recording's first segment.
func (c *camRec) linkPending() {
	for _, id := range c.rec.events {
		c.writeEventLink(c.rec.id, id)
	}
	c.rec.events = nil
}

func (c *camRec) writeEventLink(rec, event int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.r.opt.Store.SetEventRecording(ctx, event, strconv.FormatInt(rec, 10)); err != nil {
		c.log.Warn("an event could not be linked to its recording; it follows the camera's max_age_days",
			"event", event, "recording", rec, "err", err)
	}
}
