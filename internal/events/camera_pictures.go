package events

import "time"

// fullEvery is how often, at most, a camera with an open event asks for a full-size keyframe (the
// event's snapshot is the best of them): often enough for a picture near the peak, rarely enough that
// a camera in motion all day does not encode every keyframe twice.
const fullEvery = 3 * time.Second

// Pictures asks a camera's worker for keyframes at full size as well as at the analysis size (see
// ipc.Want); the supervisor is one. Its methods must return quickly.
type Pictures interface {
	// WantFull asks for every keyframe at full size (on), or only for those NextFull asks for.
	WantFull(cameraID string, on bool)
	// NextFull asks for the next keyframe at full size.
	NextFull(cameraID string)
}

// asked is what a camera asked its worker for; owned by the camera's goroutine.
type asked struct {
	sent     bool      // all was sent at least once (to this engine's Pictures)
	all      bool      // every keyframe at full size
	lastNext time.Time // keyframe time of the last NextFull
	prev     time.Time // the previous keyframe's time, for the keyframe interval
}

// askPictures, after a keyframe at t, asks the worker for the full-size keyframes the camera's
// events need:
//   - every one while QR reading is on (small codes need every pixel);
//   - else the next one while a motion event is open or objects are tracked, at most every fullEvery
//     (the picture of the keyframe that opens an event is the analysis size; the next is full);
//   - and the one an idle detection run is due on, so an object found then is drawn at full size.
func (c *camera) askPictures(t time.Time) {
	defer func() { c.asked.prev = t }()
	pics := c.e.pics
	if pics == nil {
		return
	}
	c.wantAll(c.qr != nil)
	if c.asked.all {
		return
	}
	busy := c.mev != nil || c.objects.len() > 0
	since := t.Sub(c.asked.lastNext)
	if (busy && (since >= fullEvery || since < 0)) || c.detectDueNext(t) {
		pics.NextFull(c.id)
		c.asked.lastNext = t
	}
}

// wantAll asks for every keyframe at full size, or not, when that changed (or was never said).
func (c *camera) wantAll(all bool) {
	if c.e.pics == nil || (c.asked.sent && c.asked.all == all) {
		return
	}
	c.e.pics.WantFull(c.id, all)
	c.asked.sent, c.asked.all = true, all
}

// detectDueNext says whether an idle detection run falls due by the next keyframe (expected one
// keyframe interval after t), so it is asked for at full size.
func (c *camera) detectDueNext(t time.Time) bool {
	if !c.detectOn() || c.lastDetect.IsZero() || c.asked.prev.IsZero() {
		return false
	}
	interval := min(max(t.Sub(c.asked.prev), 200*time.Millisecond), 5*time.Second)
	idle := time.Duration(c.cfg.Detect.EffectiveIdleIntervalS()) * time.Second
	return !t.Add(interval).Before(c.lastDetect.Add(idle)) && t.Sub(c.lastDetect) < idle
}
