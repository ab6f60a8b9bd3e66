package events

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/nvrproject/nvr/pkg/ipc"
	"github.com/nvrproject/nvr/pkg/jpegscale"
	"github.com/nvrproject/nvr/pkg/qr"
)

// frameTime is a keyframe's wall-clock time.
func (c *camera) frameTime(k *ipc.Keyframe) time.Time {
	if k.WallNS == 0 {
		return c.e.now()
	}
	return k.Wall()
}

// onFrame analyses one keyframe: motion, QR codes, and whether it goes to the detector.
// Every analysis decodes through one keyframeImage, so each scale is decoded at most once.
func (c *camera) onFrame(ctx context.Context, k *ipc.Keyframe) {
	t := c.frameTime(k)
	c.stats.keyframes.Add(1)
	c.stats.lastFrameNS.Store(t.UnixNano())
	pic, _, _ := k.Picture()
	c.mu.Lock()
	c.latest = pic
	c.mu.Unlock()

	img := newKeyframeImage(k)
	img.onDecode = c.e.onDecode
	// A keyframe that may go to the detector (and so become an object snapshot) is
	// decoded in colour from the start, so detection and drawing reuse what motion and QR
	// decoded instead of decoding the same scale again.
	img.colour = c.mayDetect(t)
	undecodable := false

	if c.md != nil {
		score, moving, err := c.scoreMotion(img)
		if err != nil {
			undecodable = true
			c.warns.warn("motion", "a keyframe could not be analysed for motion", "err", err)
		} else {
			c.stats.score.Store(math.Float64bits(score))
			c.stepMotion(ctx, t, picture{jpeg: pic, full: k.IsFullSize()}, score, moving)
		}
	}

	if c.qr != nil {
		if f, err := c.qrLuma(img); err != nil {
			undecodable = true
			c.warns.warn("decode", "a keyframe could not be decoded", "err", err)
		} else {
			texts, err := c.qr.Read(f.Image)
			if err != nil {
				c.warns.warn("qr", "a keyframe could not be searched for QR codes", "err", err)
			}
			c.onQR(ctx, t, pic, texts)
		}
	}
	if undecodable {
		c.stats.decodeErrors.Add(1)
	}
	c.onHealthFrame(ctx, t, img, pic)
	c.askPictures(t)

	if c.wantDetect(t) {
		c.lastDetect = t
		c.book.posted.Add(1)
		if c.e.sched.post(c, &detectReq{t: t, frame: img}) {
			c.stats.detectSkipped.Add(1)
			c.book.resolved.Add(1)
		}
	} else {
		img.release() // nobody else has it: its buffers serve the next keyframe
	}

	// Objects whose detection stopped (detector failing, throttled for long) still end.
	if c.objects.len() > 0 {
		limit := c.postRoll + 2*time.Duration(c.cfg.Detect.EffectiveIdleIntervalS())*time.Second
		c.endObjects(ctx, c.objects.expire(t, limit))
	}
}

// scoreMotion scores the keyframe's luma at the motion detector's analysis width.
func (c *camera) scoreMotion(img *keyframeImage) (score float64, moving bool, err error) {
	scale, err := img.scaleFor(c.md.DecodeWidth(), 0)
	if err != nil {
		return 0, false, fmt.Errorf("motion: decoding keyframe JPEG: %w", err)
	}
	f, err := img.luma(scale)
	if err != nil {
		return 0, false, fmt.Errorf("motion: decoding keyframe JPEG: %w", err)
	}
	r, err := c.md.ProcessFrame(f.Image, f.Width, f.Height)
	if err != nil {
		return 0, false, err
	}
	return r.Score, r.Motion && !r.GlobalChange, nil
}

// qrLuma returns the keyframe's luma for the QR reader: of its largest picture (a small code
// needs every pixel; a QR camera gets every keyframe at full size, askPictures), at most
// qr.MaxWidth wide, so the reader's first pass works on it as it is.
func (c *camera) qrLuma(img *keyframeImage) (jpegscale.Frame, error) {
	img = img.largest()
	w, _, err := img.size()
	if err != nil {
		return jpegscale.Frame{}, err
	}
	return img.luma(qr.DecodeScale(w))
}

// mayDetect says whether this keyframe may go to the detector: wantDetect after the
// motion step, for whatever the step decides.
func (c *camera) mayDetect(t time.Time) bool {
	if !c.detectOn() {
		return false
	}
	return c.mev != nil || (c.md != nil && c.motion.opensWithNext()) || c.idleDetectDue(t)
}

// wantDetect says whether this keyframe should go to the detector: every keyframe while a
// motion event is open, else one every idle interval.
func (c *camera) wantDetect(t time.Time) bool {
	if !c.detectOn() {
		return false
	}
	return c.mev != nil || c.idleDetectDue(t)
}

// idleDetectDue says whether the idle interval passed since the last detection request.
func (c *camera) idleDetectDue(t time.Time) bool {
	idle := time.Duration(c.cfg.Detect.EffectiveIdleIntervalS()) * time.Second
	return c.lastDetect.IsZero() || t.Sub(c.lastDetect) >= idle || t.Before(c.lastDetect)
}
