package events

import (
	"context"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// motionEvent is the stored side of the open motion event: the row, and what of it was not
// written yet. When and how it opens, goes on and ends is the motionMachine's.
type motionEvent struct {
	ev         *Event
	pic        picture // the snapshot: the keyframe with the peak score, preferring full-size ones
	picScore   float64 // its score
	dirty      bool    // the row changed since it was written
	snapDirty  bool    // the snapshot changed since it was written
	flushedAt  time.Time
	objectSeen bool // a listed object was seen during the event
}

// motionRecords says whether the open motion event m should be recorded.
func (c *camera) motionRecords(m *motionEvent) bool {
	if c.recordOn == store.RecordOnObjects && c.detectOn() {
		return m.objectSeen
	}
	return true
}

// objectsRecord says whether object events are recorded.
func (c *camera) objectsRecord() bool {
	return c.recordOn == store.RecordOnEither || (c.recordOn == store.RecordOnObjects && c.md == nil)
}

// picture is a keyframe's largest JPEG as an event snapshot; full says it is the stream's own
// size (not only the analysis picture).
type picture struct {
	jpeg []byte
	full bool
}

// better says whether a keyframe with motion (p at score) makes a better snapshot than the one the
// event has: a full-size picture beats an analysis-size one whatever the scores (the worker sends
// full-size pictures only when asked, so the keyframe that opened an event is often only the
// analysis size); between two of one kind the higher score wins.
func (m *motionEvent) better(p picture, score float64) bool {
	if p.full != m.pic.full {
		return p.full
	}
	return score > m.picScore
}

// stepMotion runs the motion state machine for one keyframe and acts on its decision.
func (c *camera) stepMotion(ctx context.Context, t time.Time, frame picture, score float64, moving bool) {
	d := c.motion.step(t, score, moving, frame)
	switch {
	case d.Opened:
		c.startMotion(ctx, d)
	case d.Extended:
		m := c.mev
		if d.NewPeak {
			m.ev.Score = d.Peak
			m.dirty = true
		}
		if m.better(frame, score) {
			m.pic, m.picScore = frame, score
			m.dirty, m.snapDirty = true, true
		}
		if c.motionRecords(m) {
			c.trigger(m.ev.Start, t.Add(c.postRoll), store.EventMotion)
		}
		c.flushMotion(ctx, t, false)
	case d.Closed:
		c.endMotion(ctx, d)
	}
}

func (c *camera) startMotion(ctx context.Context, d motionDecision[picture]) {
	ev := &Event{CameraID: c.id, Kind: store.EventMotion, Start: d.Start, Score: d.Peak, Snapshot: d.PeakFrame.jpeg}
	m := &motionEvent{ev: ev, pic: d.PeakFrame, picScore: d.Peak, flushedAt: d.Last}
	c.mev = m
	c.stats.motionActive.Store(true)
	records := c.motionRecords(m)
	if records {
		c.trigger(ev.Start, d.Last.Add(c.postRoll), store.EventMotion) // before the write: never delay a recording
	}
	c.create(ctx, ev)
	if records {
		c.link(ev)
	}
}

// flushMotion writes the open motion event's changes, at most every flushEvery unless forced.
func (c *camera) flushMotion(ctx context.Context, t time.Time, force bool) {
	m := c.mev
	if m == nil || !m.dirty || (!force && t.Sub(m.flushedAt) < flushEvery) {
		return
	}
	if m.snapDirty {
		m.ev.Snapshot = m.pic.jpeg
	}
	c.update(ctx, m.ev)
	m.dirty, m.snapDirty, m.flushedAt = false, false, t
}

// closeMotion ends the open motion event now, if there is one (camera stalled or stopped,
// motion switched off).
func (c *camera) closeMotion(ctx context.Context) {
	if d := c.motion.close(); d.Closed {
		c.endMotion(ctx, d)
	}
}

// endMotion writes the end of the motion event the machine closed.
func (c *camera) endMotion(ctx context.Context, d motionDecision[picture]) {
	m := c.mev
	c.mev = nil
	c.stats.motionActive.Store(false)
	m.ev.End = d.Last
	if m.snapDirty {
		m.ev.Snapshot = m.pic.jpeg
	}
	c.update(ctx, m.ev)
}
