package events

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"slices"
	"sort"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/nvrproject/nvr/internal/store"
)

const (
	// sameObjectIoU is the overlap with a box seen before that makes a detection the same object.
	sameObjectIoU = 0.3
	// movedIoU: a tracked object whose box overlaps the box of its last recording trigger
	// less than this has moved, and extends the recording again.
	movedIoU = 0.7
	// snapshotQuality is the JPEG quality of object snapshots.
	snapshotQuality = 80
	// betterScore is how much a tracked object's score must improve to redraw its snapshot.
	betterScore = 0.02
)

// object is one detection that passed the camera's filters; box in picture fractions.
type object struct {
	label string
	score float64
	box   [4]float64
}

// track is an object being followed, with its open event.
type track struct {
	ev         *Event
	box        [4]float64 // where it was last seen
	last       time.Time  // when it was last seen
	triggerBox [4]float64 // where it was when the recording was last extended
	// The keyframe and objects of its best sighting, when they are newer than the stored
	// snapshot: drawn when the event is next written, so a score that keeps improving costs
	// one drawing per write, not one per keyframe.
	bestImg   image.Image
	bestObjs  []object
	bestJPEG  []byte
	dirty     bool
	flushedAt time.Time
}

// iou is the intersection over union of two boxes (x1, y1, x2, y2).
func iou(a, b [4]float64) float64 {
	ix := min(a[2], b[2]) - max(a[0], b[0])
	iy := min(a[3], b[3]) - max(a[1], b[1])
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	union := (a[2]-a[0])*(a[3]-a[1]) + (b[2]-b[0])*(b[3]-b[1]) - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// filter keeps the detections of the camera's labels with enough score and area, standing in
// a zone, with their boxes as fractions of the picture.
func (c *camera) filter(res *detectResult) []object {
	b := res.img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
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
	if res.err != nil {
		c.detectErrors.Add(1)
		c.setDetectErr(res.err.Error())
		c.warn("detect", "object detection failed", "err", res.err)
		return
	}
	c.detections.Add(1)
	c.setDetectErr("")
	if !c.detectOn() || res.img == nil {
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
			c.trigger(m.ev.Start, later(m.last, t).Add(c.postRoll), store.EventMotion)
		}
		c.flushMotion(ctx, t, true)
	}
	c.track(ctx, res, objs)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// track matches the objects with the tracked ones (same label, IoU ≥ sameObjectIoU, best
// overlaps first), opens events for new ones and ends those not seen for post_roll_s.
func (c *camera) track(ctx context.Context, res *detectResult, objs []object) {
	t := res.t
	type pair struct {
		ti, oi int
		iou    float64
	}
	var pairs []pair
	for ti, tr := range c.tracks {
		for oi, o := range objs {
			if tr.ev.Labels[0] != o.label {
				continue
			}
			if v := iou(tr.box, o.box); v >= sameObjectIoU {
				pairs = append(pairs, pair{ti, oi, v})
			}
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].iou > pairs[j].iou })
	trackOf := make([]int, len(objs)) // object → track index, -1 = new
	for i := range trackOf {
		trackOf[i] = -1
	}
	matched := make([]bool, len(c.tracks))
	for _, p := range pairs {
		if matched[p.ti] || trackOf[p.oi] >= 0 {
			continue
		}
		matched[p.ti] = true
		trackOf[p.oi] = p.ti
	}

	// One drawing serves every new object of this frame.
	var snap []byte
	snapshot := func() []byte {
		if snap == nil {
			var err error
			if snap, err = drawSnapshot(res.img, objs); err != nil {
				c.warn("snapshot", "an object snapshot could not be made", "err", err)
				snap = res.jpeg
			}
		}
		return snap
	}
	record := c.objectsRecord()

	for oi, o := range objs {
		ti := trackOf[oi]
		if ti < 0 {
			continue
		}
		tr := c.tracks[ti]
		tr.box, tr.last = o.box, t
		if o.score >= tr.ev.Score+betterScore {
			tr.ev.Score = o.score
			tr.ev.Boxes = boxesFor(oi, objs)
			tr.bestImg, tr.bestObjs, tr.bestJPEG = res.img, objs, res.jpeg
			tr.dirty = true
		}
		if record && (c.mev != nil || iou(tr.triggerBox, o.box) < movedIoU) {
			tr.triggerBox = o.box
			c.trigger(tr.ev.Start, t.Add(c.postRoll), store.EventObject)
		}
		if tr.dirty && t.Sub(tr.flushedAt) >= flushEvery {
			c.flushTrack(ctx, tr, t)
		}
	}
	c.expireTracks(ctx, t, c.postRoll, matched)

	for oi, o := range objs {
		if trackOf[oi] >= 0 {
			continue
		}
		ev := &Event{CameraID: c.id, Kind: store.EventObject, Start: t, Labels: []string{o.label}, Score: o.score,
			Boxes: boxesFor(oi, objs), Snapshot: snapshot()}
		tr := &track{ev: ev, box: o.box, last: t, triggerBox: o.box, flushedAt: t}
		c.tracks = append(c.tracks, tr)
		c.tracked.Store(int32(len(c.tracks)))
		if record {
			c.trigger(t, t.Add(c.postRoll), store.EventObject)
		}
		c.create(ctx, ev)
	}
}

// expireTracks ends the tracks not seen for at least after (skipping those matched now).
func (c *camera) expireTracks(ctx context.Context, t time.Time, after time.Duration, matched []bool) {
	for i := len(c.tracks) - 1; i >= 0; i-- {
		if i < len(matched) && matched[i] {
			continue
		}
		if t.Sub(c.tracks[i].last) >= after {
			c.endTrack(ctx, i)
		}
	}
}

func (c *camera) flushTrack(ctx context.Context, tr *track, t time.Time) {
	c.drawBest(tr)
	c.update(ctx, tr.ev)
	tr.dirty, tr.flushedAt = false, t
}

// drawBest makes the snapshot of the track's best sighting, if it is not stored yet.
func (c *camera) drawBest(tr *track) {
	if tr.bestImg == nil {
		return
	}
	snap, err := drawSnapshot(tr.bestImg, tr.bestObjs)
	if err != nil {
		c.warn("snapshot", "an object snapshot could not be made", "err", err)
		snap = tr.bestJPEG
	}
	tr.ev.Snapshot = snap
	tr.bestImg, tr.bestObjs, tr.bestJPEG = nil, nil, nil
}

// endTrack ends tracks[i]'s event when it was last seen.
func (c *camera) endTrack(ctx context.Context, i int) {
	tr := c.tracks[i]
	c.tracks = slices.Delete(c.tracks, i, i+1)
	c.tracked.Store(int32(len(c.tracks)))
	tr.ev.End = tr.last
	c.drawBest(tr)
	c.update(ctx, tr.ev)
}

// boxesFor lists the boxes drawn on a snapshot, object own first.
func boxesFor(own int, objs []object) []store.Box {
	out := make([]store.Box, 0, len(objs))
	out = append(out, store.Box{Label: objs[own].label, Score: objs[own].score, Box: objs[own].box})
	for i, o := range objs {
		if i != own {
			out = append(out, store.Box{Label: o.label, Score: o.score, Box: o.box})
		}
	}
	return out
}

// palette colours boxes by label.
var palette = []color.RGBA{
	{255, 64, 64, 255}, {64, 220, 64, 255}, {64, 160, 255, 255}, {255, 200, 0, 255},
	{255, 64, 255, 255}, {0, 230, 230, 255}, {255, 140, 0, 255}, {160, 100, 255, 255},
}

func labelColor(label string) color.RGBA {
	h := fnv.New32a()
	h.Write([]byte(label))
	return palette[h.Sum32()%uint32(len(palette))]
}

// drawSnapshot draws the objects' boxes and labels on a copy of img and encodes it as JPEG.
func drawSnapshot(img image.Image, objs []object) ([]byte, error) {
	img = unwrap(img)
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	thick := max(2, w/400)
	face := basicfont.Face7x13
	for _, o := range objs {
		col := labelColor(o.label)
		r := image.Rect(int(o.box[0]*float64(w)), int(o.box[1]*float64(h)), int(o.box[2]*float64(w)), int(o.box[3]*float64(h)))
		strokeRect(rgba, r, thick, col)

		text := fmt.Sprintf("%s %.0f%%", o.label, o.score*100)
		tw := font.MeasureString(face, text).Ceil()
		th := face.Metrics().Height.Ceil()
		ty := r.Min.Y - th - 2 // above the box, or inside it at the top of the picture
		if ty < 0 {
			ty = r.Min.Y + thick
		}
		bg := image.Rect(r.Min.X, ty, r.Min.X+tw+6, ty+th+2).Intersect(rgba.Rect)
		draw.Draw(rgba, bg, image.NewUniform(col), image.Point{}, draw.Src)
		d := font.Drawer{Dst: rgba, Src: image.NewUniform(color.Black), Face: face,
			Dot: fixed.P(r.Min.X+3, ty+face.Metrics().Ascent.Ceil()+1)}
		d.DrawString(text)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: snapshotQuality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// strokeRect draws the outline of r, thick pixels wide, inside r.
func strokeRect(dst *image.RGBA, r image.Rectangle, thick int, col color.RGBA) {
	u := image.NewUniform(col)
	r = r.Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	t := min(thick, r.Dx()/2+1, r.Dy()/2+1)
	for _, side := range []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t),
		image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+t, r.Max.Y),
		image.Rect(r.Max.X-t, r.Min.Y, r.Max.X, r.Max.Y),
	} {
		draw.Draw(dst, side, u, image.Point{}, draw.Src)
	}
}
