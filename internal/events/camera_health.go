package events

import (
	"context"
	"image"
	"math"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// Defaults of the camera health events (offline, tamper).
const (
	// DefaultOfflineAfter is how long a camera that streamed may send no keyframe before it is
	// offline: the supervisor's stall watchdog (5 s) plus room for a long keyframe interval.
	DefaultOfflineAfter = 10 * time.Second
	// TamperStdDev is the luma standard deviation (0–255) under which a keyframe counts as nearly
	// uniform: a covered lens, a sprayed dome, a camera turned to a wall. A dark night scene with
	// any light in it stays well above it.
	TamperStdDev = 4.0
	// TamperFrames is how many nearly uniform keyframes in a row start a tamper event (one bad frame
	// at a reconnect does not).
	TamperFrames = 3
)

// health is the state of a camera's offline and tamper events, owned by the camera's goroutine.
type health struct {
	offline  *Event    // the open offline event
	tamper   *Event    // the open tamper event
	uniform  int       // nearly uniform keyframes in a row
	lastSeen time.Time // the time of the latest keyframe
}

// onDark is called when no keyframe came for offlineAfter: the camera went dark at its last keyframe.
func (c *camera) onDark(ctx context.Context) {
	if c.health.offline != nil || c.health.lastSeen.IsZero() {
		return
	}
	c.log.Info("the camera sends no pictures; an offline event starts", "after", c.e.offlineAfter.String())
	ev := &Event{CameraID: c.id, Kind: store.EventOffline, Start: c.health.lastSeen, Snapshot: c.latestJPEG()}
	c.health.offline = ev
	c.create(ctx, ev)
}

// onHealthFrame ends an offline event when pictures come again and follows the picture's uniformity
// for tamper events. img's luma is read at the scale motion used (no second decode) or the smallest.
func (c *camera) onHealthFrame(ctx context.Context, t time.Time, img *keyframeImage, jpeg []byte) {
	c.health.lastSeen = t
	if ev := c.health.offline; ev != nil {
		c.log.Info("the camera sends pictures again; the offline event ends")
		ev.End = t
		c.health.offline = nil
		c.update(ctx, ev)
	}
	scale := 8
	if c.md != nil {
		if s, err := img.scaleFor(c.md.DecodeWidth(), 0); err == nil {
			scale = s
		}
	}
	f, err := img.luma(scale)
	if err != nil {
		return // counted and warned about by the analyses
	}
	sd, ok := lumaStdDev(f.Image)
	if !ok {
		return
	}
	if sd < TamperStdDev {
		c.health.uniform++
		if c.health.tamper == nil && c.health.uniform >= TamperFrames {
			c.log.Info("the picture went nearly uniform; a tamper event starts", "luma_stddev", math.Round(sd*100)/100)
			ev := &Event{CameraID: c.id, Kind: store.EventTamper, Start: t, Score: sd, Snapshot: jpeg}
			c.health.tamper = ev
			c.create(ctx, ev)
		}
		return
	}
	c.health.uniform = 0
	if ev := c.health.tamper; ev != nil {
		c.log.Info("the picture has detail again; the tamper event ends", "luma_stddev", math.Round(sd*100)/100)
		ev.End = t
		c.health.tamper = nil
		c.update(ctx, ev)
	}
}

// closeHealth ends the open offline and tamper events when the camera's analysis stops (nvrd stops,
// the camera is disabled or removed): at now for offline, since it was still dark; at the last
// keyframe for tamper.
func (c *camera) closeHealth(ctx context.Context) {
	if ev := c.health.offline; ev != nil {
		ev.End = c.e.now()
		if ev.End.Before(ev.Start) {
			ev.End = ev.Start
		}
		c.health.offline = nil
		c.update(ctx, ev)
	}
	if ev := c.health.tamper; ev != nil {
		ev.End = c.health.lastSeen
		c.health.tamper = nil
		c.update(ctx, ev)
	}
}

// lumaStdDev is the standard deviation of a picture's luma, from every 2nd pixel of every 2nd row.
func lumaStdDev(img image.Image) (float64, bool) {
	var pix []uint8
	var stride int
	var r image.Rectangle
	switch p := img.(type) {
	case *image.Gray:
		pix, stride, r = p.Pix, p.Stride, p.Rect
	case *image.YCbCr:
		pix, stride, r = p.Y, p.YStride, p.Rect
	default:
		return 0, false
	}
	var n, sum, sq float64
	for y := 0; y < r.Dy(); y += 2 {
		row := pix[y*stride:]
		for x := 0; x < r.Dx(); x += 2 {
			v := float64(row[x])
			sum += v
			sq += v * v
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	mean := sum / n
	return math.Sqrt(max(sq/n-mean*mean, 0)), true
}
