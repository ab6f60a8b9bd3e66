package events

import (
	"context"
	"slices"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/detect"
)

const (
	// movedIoU: a tracked object whose box overlaps the box of its last recording trigger
	// less than this has moved, and extends the recording again.
	movedIoU = 0.7
	// betterScore is how much a tracked object's score must improve to redraw its snapshot.
	betterScore = 0.02
)

// objectEvent is the stored side of a tracked object: its event, and what of it was not
// written yet. Which detection is which object is the tracker's.
type objectEvent struct {
	ev         *Event
	triggerBox [4]float64 // where it was when the recording was last extended
	// The keyframe and objects of its best sighting, when they are newer than the stored
	// snapshot: drawn when the event is next written, so a score that keeps improving costs
	// one drawing per write, not one per keyframe.
	bestFrame *keyframeImage
	bestObjs  []object
	dirty     bool
	flushedAt time.Time
	// Sightings not written yet, how many were kept in all (at most store.MaxSightings), and
	// when they were last written.
	sightings   []store.Sighting
	sighted     int
	sightedAt   time.Time
	sightsFlush time.Time
}

// sight keeps one sighting of the object: at most one per keyframe analysed and
// store.MaxSightings per event.
func (oe *objectEvent) sight(t time.Time, o object) {
	if oe.sighted >= store.MaxSightings || (oe.sighted > 0 && !t.After(oe.sightedAt)) {
		return
	}
	oe.sightings = append(oe.sightings, store.Sighting{T: t, Label: o.label, Score: o.score, Box: o.box})
	oe.sighted++
	oe.sightedAt = t
}

// flushSightings writes the object's new sightings, when the sink keeps them and the event is
// stored. A failed write is dropped (warned): sightings are a drawing aid, not evidence.
func (c *camera) flushSightings(ctx context.Context, oe *objectEvent, t time.Time) {
	if len(oe.sightings) == 0 || oe.ev.ID == 0 {
		return
	}
	if ss, ok := c.e.store.(SightingSink); ok {
		if err := ss.AddSightings(ctx, oe.ev.ID, oe.sightings); err != nil {
			c.warns.warn("store", "an object's sightings could not be stored", "err", err)
		}
	}
	oe.sightings, oe.sightsFlush = oe.sightings[:0], t
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// filter keeps the detections of the camera's labels with enough score and area, standing in
// a zone, with their boxes as fractions of the picture.
func (c *camera) filter(res *detectResult) []object {
	w, h := float64(res.w), float64(res.h)
	if w <= 0 || h <= 0 {
		return nil
	}
	d := c.cfg.Detect
	minArea := d.EffectiveMinArea()
	var out []object
	for _, det := range res.dets {
		if !c.labels[det.Label] || det.Score < d.EffectiveMinScore(det.Label) {
			continue
		}
		box := [4]float64{clamp01(det.Box[0] / w), clamp01(det.Box[1] / h), clamp01(det.Box[2] / w), clamp01(det.Box[3] / h)}
		if (box[2]-box[0])*(box[3]-box[1]) < minArea {
			continue
		}
		if len(d.Zones) > 0 {
			// Where the object stands: the middle of its box's bottom edge, nudged inside
			// the picture so a zone reaching the picture's edge contains it.
			foot := store.Point{X: min((box[0]+box[2])/2, 1-1e-9), Y: min(box[3], 1-1e-9)}
			if !slices.ContainsFunc(d.Zones, func(z store.Polygon) bool { return z.Contains(foot) }) {
				continue
			}
		}
		out = append(out, object{label: det.Label, score: det.Score, box: box})
	}
	return out
}

// onDetections handles a detection result: the open motion event learns the labels, and
// objects are tracked into object events.
func (c *camera) onDetections(ctx context.Context, res *detectResult) {
	defer func() {
		if res.frame != nil && !res.frame.kept {
			res.frame.release() // handled, and no object keeps it for a later snapshot
		}
	}()
	if res.err != nil {
		c.stats.detectErrors.Add(1)
		c.setDetectErr(res.err.Error())
		c.warns.warn("detect", "object detection failed", "err", res.err)
		return
	}
	c.stats.detections.Add(1)
	c.setDetectErr("")
	if !c.detectOn() || res.frame == nil {
		return
	}
	objs := c.filter(res)
	t := res.t

	if m := c.mev; m != nil && len(objs) > 0 && !t.Before(m.ev.Start) {
		first := !m.objectSeen
		m.objectSeen = true
		for _, o := range objs {
			if !slices.Contains(m.ev.Labels, o.label) {
				m.ev.Labels = append(m.ev.Labels, o.label)
				m.dirty = true
			}
		}
		if first && c.recordOn == store.RecordOnObjects {
			// The recorder's pre-roll still holds the motion's start.
			_, last := c.motion.openSince()
			c.trigger(m.ev.Start, later(last, t).Add(c.postRoll), store.EventMotion)
			c.link(m.ev)
		}
		c.flushMotion(ctx, t, true)
	}
	c.trackObjects(ctx, res, objs)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// trackObjects gives the objects of one detection run to the tracker, then updates the
// events of the objects seen again, ends those not seen for post_roll_s and opens events
// for new ones.
func (c *camera) trackObjects(ctx context.Context, res *detectResult, objs []object) {
	t := res.t
	obs := c.objects.observe(t, objs, c.postRoll)

	// One drawing serves every new object of this frame.
	var snap []byte
	snapshot := func() []byte {
		if snap == nil {
			var err error
			if snap, err = drawSnapshot(res.frame, objs); err != nil {
				c.warns.warn("snapshot", "an object snapshot could not be made", "err", err)
				snap = res.frame.jpegBytes()
			}
		}
		return snap
	}
	record := c.objectsRecord()

	for oi, o := range objs {
		k := obs.seen[oi]
		if k == nil {
			continue
		}
		oe := k.data
		oe.sight(t, o)
		if o.score >= oe.ev.Score+betterScore {
			oe.ev.Score = o.score
			oe.ev.Boxes = boxesFor(oi, objs)
			oe.bestFrame, oe.bestObjs = res.frame, objs
			res.frame.kept = true
			oe.dirty = true
		}
		if record && (c.mev != nil || detect.IoU(oe.triggerBox, o.box) < movedIoU) {
			oe.triggerBox = o.box
			c.trigger(oe.ev.Start, t.Add(c.postRoll), store.EventObject)
		}
		if oe.dirty && t.Sub(oe.flushedAt) >= flushEvery {
			c.flushObject(ctx, oe, t)
		}
		if t.Sub(oe.sightsFlush) >= flushEvery {
			c.flushSightings(ctx, oe, t)
		}
	}
	c.endObjects(ctx, obs.ended)

	for oi, o := range objs {
		if obs.seen[oi] != nil {
			continue
		}
		ev := &Event{CameraID: c.id, Kind: store.EventObject, Start: t, Labels: []string{o.label}, Score: o.score,
			Boxes: boxesFor(oi, objs), Snapshot: snapshot()}
		oe := &objectEvent{ev: ev, triggerBox: o.box, flushedAt: t, sightsFlush: t}
		oe.sight(t, o)
		c.objects.add(t, o, oe)
		c.stats.tracked.Store(int32(c.objects.len()))
		if record {
			c.trigger(t, t.Add(c.postRoll), store.EventObject)
		}
		c.create(ctx, ev)
		c.flushSightings(ctx, oe, t) // the first sighting: the player has a box from the start
		if record {
			c.link(ev)
		}
	}
}

func (c *camera) flushObject(ctx context.Context, oe *objectEvent, t time.Time) {
	c.drawBest(oe)
	c.update(ctx, oe.ev)
	oe.dirty, oe.flushedAt = false, t
}

// drawBest makes the snapshot of the object's best sighting, if it is not stored yet.
func (c *camera) drawBest(oe *objectEvent) {
	if oe.bestFrame == nil {
		return
	}
	snap, err := drawSnapshot(oe.bestFrame, oe.bestObjs)
	if err != nil {
		c.warns.warn("snapshot", "an object snapshot could not be made", "err", err)
		snap = oe.bestFrame.jpegBytes()
	}
	oe.ev.Snapshot = snap
	oe.bestFrame, oe.bestObjs = nil, nil
}

// endObjects ends the events of tracks the tracker let go, each when it was last seen.
func (c *camera) endObjects(ctx context.Context, ended []*track[*objectEvent]) {
	if len(ended) == 0 {
		return
	}
	c.stats.tracked.Store(int32(c.objects.len()))
	for _, k := range ended {
		oe := k.data
		oe.ev.End = k.last
		c.drawBest(oe)
		c.update(ctx, oe.ev)
		c.flushSightings(ctx, oe, k.last)
	}
}
