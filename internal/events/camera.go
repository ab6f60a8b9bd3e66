package events

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/ipc"
	"github.com/nvrproject/nvr/pkg/motion"
	"github.com/nvrproject/nvr/pkg/qr"
)

const (
	// qrRepeat is how long the same QR text is not reported again.
	qrRepeat = 10 * time.Second
	// flushEvery is how often an open event's changes (peak score, snapshot) are written.
	flushEvery = 5 * time.Second
	// warnEvery rate-limits each kind of warning of a camera.
	warnEvery = 30 * time.Second
	// finalWriteTimeout bounds the writes that close events when a camera stops.
	finalWriteTimeout = 5 * time.Second
)

// camera is one camera's event detection. Everything below "owned by run" belongs to the
// camera's goroutine; the rest is its mailbox and its published status.
type camera struct {
	id     string
	e      *Engine
	log    *slog.Logger
	wake   chan struct{}
	cancel context.CancelFunc
	done   <-chan struct{}

	mu        sync.Mutex
	frame     *ipc.Keyframe  // the keyframe waiting to be analysed
	newCfg    *store.Camera  // settings waiting to be applied
	result    *detectResult  // detection result waiting to be handled
	latest    []byte         // JPEG of the latest analysed keyframe (manual events' snapshot)
	detectErr string         // the detector's last error on this camera, "" after a success
	flags     statusSettings // what runs, for Status

	// Published counters.
	keyframes, dropped, events, detections atomic.Int64
	detectSkipped, detectErrors, qrCodes   atomic.Int64
	decodeErrors, lastFrameNS              atomic.Int64
	score                                  atomic.Uint64 // math.Float64bits of the latest motion score
	motionActive                           atomic.Bool
	tracked                                atomic.Int32

	// Bookkeeping for tests (quiet): every offered keyframe is analysed or dropped, every
	// detection request is replaced, handled or dropped.
	offered, analysed, posted, resolved, configs, applied atomic.Int64

	// owned by run
	cfg         store.Camera
	postRoll    time.Duration
	md          *motion.Detector // nil when motion detection is off
	minFrames   int
	qr          *qr.Reader // nil when QR reading is off
	qrSeen      map[string]time.Time
	labels      map[string]bool
	recordOn    string
	runLen      int       // consecutive keyframes with motion
	runStart    time.Time // the first of them
	runPeak     float64
	runPeakJPEG []byte
	mev         *openMotion
	tracks      []*track
	lastDetect  time.Time // keyframe time of the last detection request
	warnLast    map[string]time.Time
	warnSupp    map[string]int
}

type statusSettings struct {
	motion, detect, qr bool
	threshold          float64
}

// openMotion is a motion event in progress.
type openMotion struct {
	ev         *Event
	last       time.Time // the last keyframe with motion
	peakJPEG   []byte
	dirty      bool // the row changed since it was written
	snapDirty  bool // the peak (snapshot) changed since it was written
	flushedAt  time.Time
	objectSeen bool // a listed object was seen during the event
}

func newCamera(e *Engine, cam store.Camera) *camera {
	c := &camera{
		id:       cam.ID,
		e:        e,
		log:      e.log.With("camera", cam.ID),
		wake:     make(chan struct{}, 1),
		qrSeen:   map[string]time.Time{},
		warnLast: map[string]time.Time{},
		warnSupp: map[string]int{},
	}
	c.apply(context.Background(), cam) // before the goroutine starts, so no frame goes unconfigured
	return c
}

// offer puts a keyframe in the mailbox, replacing one not analysed yet.
func (c *camera) offer(k *ipc.Keyframe) {
	c.mu.Lock()
	if c.frame != nil {
		c.dropped.Add(1)
	}
	c.frame = k
	c.offered.Add(1)
	c.mu.Unlock()
	signal(c.wake)
}

// setConfig hands new settings to the camera's goroutine.
func (c *camera) setConfig(cam store.Camera) {
	c.mu.Lock()
	c.newCfg = &cam
	c.configs.Add(1)
	c.mu.Unlock()
	signal(c.wake)
}

// deliver hands a detection result to the camera's goroutine.
func (c *camera) deliver(r *detectResult) {
	c.mu.Lock()
	if c.result != nil {
		c.resolved.Add(1) // an older result nobody looked at: only the newest matters
	}
	c.result = r
	c.mu.Unlock()
	signal(c.wake)
}

func (c *camera) latestJPEG() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest
}

func (c *camera) stopped() bool {
	if c.done == nil {
		return false
	}
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *camera) run(ctx context.Context) {
	stall := time.NewTimer(time.Hour)
	stall.Stop()
	defer stall.Stop()
	defer func() {
		// Close what is open, with a context of its own: ctx has ended.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalWriteTimeout)
		defer cancel()
		c.closeAll(wctx)
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stall.C:
			if c.mev != nil || len(c.tracks) > 0 {
				c.log.Info("no keyframes for a while; closing the open events", "after", c.stallAfter().String())
			}
			c.closeAll(ctx)
			if c.md != nil {
				c.md.Reset()
			}
		case <-c.wake:
			c.mu.Lock()
			cfg, frame, res := c.newCfg, c.frame, c.result
			c.newCfg, c.frame, c.result = nil, nil, nil
			nCfg := c.configs.Load()
			c.mu.Unlock()
			if cfg != nil {
				c.apply(ctx, *cfg)
				c.applied.Store(nCfg) // the earlier configurations were superseded by this one
			}
			if res != nil {
				c.onDetections(ctx, res)
				c.resolved.Add(1)
			}
			if frame != nil {
				c.onFrame(ctx, frame)
				c.analysed.Add(1)
				stall.Reset(c.stallAfter())
			}
		}
	}
}

// stallAfter is how long without keyframes closes the open events (camera gone).
func (c *camera) stallAfter() time.Duration { return c.postRoll + c.e.stallFor }

// closeAll ends the open motion event and every tracked object.
func (c *camera) closeAll(ctx context.Context) {
	if c.mev != nil {
		c.endMotion(ctx)
	}
	for len(c.tracks) > 0 {
		c.endTrack(ctx, 0)
	}
	c.runLen = 0
	c.runPeakJPEG = nil
}

func toMotionPolygons(ps []store.Polygon) []motion.Polygon {
	out := make([]motion.Polygon, 0, len(ps))
	for _, p := range ps {
		mp := make(motion.Polygon, len(p))
		for i, pt := range p {
			mp[i] = motion.Point{X: pt.X, Y: pt.Y}
		}
		out = append(out, mp)
	}
	return out
}

// apply puts new settings into effect; what they switch off ends its open events.
func (c *camera) apply(ctx context.Context, cam store.Camera) {
	c.cfg = cam
	c.postRoll = time.Duration(max(cam.Record.PostRollS, 0)) * time.Second
	flags := statusSettings{}

	if cam.Motion.Enabled {
		mc := motion.Config{Threshold: cam.Motion.Threshold, Zones: toMotionPolygons(cam.Motion.Zones), Masks: toMotionPolygons(cam.Motion.Masks)}
		var err error
		if c.md == nil {
			c.md, err = motion.New(mc)
		} else {
			err = c.md.SetConfig(mc)
		}
		if err != nil {
			c.log.Error("motion settings rejected; motion detection keeps its previous settings", "err", err)
		}
		c.minFrames = cam.Motion.EffectiveMinFrames()
		flags.motion = c.md != nil
		flags.threshold = cam.Motion.Threshold
		if flags.threshold == 0 {
			flags.threshold = motion.DefaultThreshold
		}
	} else {
		c.md = nil
		if c.mev != nil {
			c.endMotion(ctx)
		}
		c.runLen = 0
		c.runPeakJPEG = nil
		c.score.Store(0)
	}

	if cam.QR.Enabled {
		if c.qr == nil {
			c.qr = qr.NewReader()
		}
		flags.qr = true
	} else {
		c.qr = nil
		clear(c.qrSeen)
	}

	c.labels = map[string]bool{}
	for _, l := range cam.Detect.EffectiveLabels() {
		c.labels[l] = true
	}
	c.recordOn = cam.Detect.EffectiveRecordOn()
	flags.detect = c.detectOn()
	if !flags.detect {
		for len(c.tracks) > 0 {
			c.endTrack(ctx, 0)
		}
	}
	c.mu.Lock()
	c.flags = flags
	c.mu.Unlock()
}

// detectOn says whether this camera asks for object detection.
func (c *camera) detectOn() bool { return c.cfg.Detect.Enabled && c.e.sched != nil }

// motionRecords says whether the open motion event m should be recorded.
func (c *camera) motionRecords(m *openMotion) bool {
	if c.recordOn == store.RecordOnObjects && c.detectOn() {
		return m.objectSeen
	}
	return true
}

// objectsRecord says whether object events are recorded.
func (c *camera) objectsRecord() bool {
	return c.recordOn == store.RecordOnEither || (c.recordOn == store.RecordOnObjects && c.md == nil)
}

func (c *camera) trigger(start, until time.Time, reason string) {
	c.e.rec.Trigger(c.id, start, until, reason)
}

// warn logs a warning of one kind at most every warnEvery, saying how many were left out.
func (c *camera) warn(kind, msg string, args ...any) {
	now := time.Now()
	if last, ok := c.warnLast[kind]; ok && now.Sub(last) < warnEvery {
		c.warnSupp[kind]++
		return
	}
	if n := c.warnSupp[kind]; n > 0 {
		args = append(args, "similar_suppressed", n)
		c.warnSupp[kind] = 0
	}
	c.warnLast[kind] = now
	c.log.Warn(msg, args...)
}

// create stores a new event and publishes it. A failed write is retried by the next update.
func (c *camera) create(ctx context.Context, ev *Event) {
	c.events.Add(1)
	ev.HasSnapshot = ev.HasSnapshot || ev.Snapshot != nil
	if err := c.e.store.CreateEvent(ctx, ev); err != nil {
		c.warn("store", "an event could not be stored", "kind", ev.Kind, "err", err)
	} else {
		ev.Snapshot = nil // written; ev.HasSnapshot says it is there
	}
	c.e.bus.publish(ev)
}

// update writes an event's changes (creating it if that failed before) and publishes it.
func (c *camera) update(ctx context.Context, ev *Event) {
	ev.HasSnapshot = ev.HasSnapshot || ev.Snapshot != nil
	var err error
	if ev.ID == 0 {
		err = c.e.store.CreateEvent(ctx, ev)
	} else {
		err = c.e.store.UpdateEvent(ctx, ev)
	}
	if err != nil {
		c.warn("store", "an event could not be stored", "kind", ev.Kind, "err", err)
	} else {
		ev.Snapshot = nil
	}
	c.e.bus.publish(ev)
}

// frameTime is a keyframe's wall-clock time.
func (c *camera) frameTime(k *ipc.Keyframe) time.Time {
	if k.WallNS == 0 {
		return c.e.now()
	}
	return k.Wall()
}

func (c *camera) onFrame(ctx context.Context, k *ipc.Keyframe) {
	t := c.frameTime(k)
	c.keyframes.Add(1)
	c.lastFrameNS.Store(t.UnixNano())
	c.mu.Lock()
	c.latest = k.JPEG
	c.mu.Unlock()

	// The full decode is done once, only when something needs it, and shared.
	var img image.Image
	tried := false
	decoded := func() image.Image {
		if !tried {
			tried = true
			var err error
			if img, err = jpeg.Decode(bytes.NewReader(k.JPEG)); err != nil {
				img = nil
				c.decodeErrors.Add(1)
				c.warn("decode", "a keyframe could not be decoded", "err", err)
			}
		}
		return img
	}

	if c.md != nil {
		r, err := c.md.ProcessJPEG(k.JPEG)
		if err != nil {
			c.decodeErrors.Add(1)
			c.warn("motion", "a keyframe could not be analysed for motion", "err", err)
		} else {
			c.score.Store(math.Float64bits(r.Score))
			c.stepMotion(ctx, t, k.JPEG, r.Score, r.Motion && !r.GlobalChange)
		}
	}

	if c.qr != nil {
		if im := decoded(); im != nil {
			texts, err := c.qr.Read(im)
			if err != nil {
				c.warn("qr", "a keyframe could not be searched for QR codes", "err", err)
			}
			c.onQR(ctx, t, k.JPEG, texts)
		}
	}

	if c.wantDetect(t) {
		c.lastDetect = t
		c.posted.Add(1)
		if c.e.sched.post(c, &detectReq{t: t, jpeg: k.JPEG, img: img}) {
			c.detectSkipped.Add(1)
			c.resolved.Add(1)
		}
	}

	// Objects whose detection stopped (detector failing, throttled for long) still end.
	if len(c.tracks) > 0 {
		limit := c.postRoll + 2*time.Duration(c.cfg.Detect.EffectiveIdleIntervalS())*time.Second
		c.expireTracks(ctx, t, limit, nil)
	}
}

// stepMotion runs the motion event state machine for one keyframe.
func (c *camera) stepMotion(ctx context.Context, t time.Time, frame []byte, score float64, moving bool) {
	if moving {
		if c.runLen == 0 {
			c.runStart = t
			c.runPeak = -1
		}
		c.runLen++
		if score > c.runPeak {
			c.runPeak, c.runPeakJPEG = score, frame
		}
	} else {
		c.runLen = 0
		c.runPeakJPEG = nil
	}

	m := c.mev
	if m == nil {
		if moving && c.runLen >= c.minFrames {
			c.startMotion(ctx, t)
		}
		return
	}
	if moving {
		m.last = t
		if score > m.ev.Score {
			m.ev.Score, m.peakJPEG = score, frame
			m.dirty, m.snapDirty = true, true
		}
		if c.motionRecords(m) {
			c.trigger(m.ev.Start, t.Add(c.postRoll), store.EventMotion)
		}
		c.flushMotion(ctx, t, false)
		return
	}
	if t.Sub(m.last) >= c.postRoll {
		c.endMotion(ctx)
	}
}

func (c *camera) startMotion(ctx context.Context, t time.Time) {
	ev := &Event{CameraID: c.id, Kind: store.EventMotion, Start: c.runStart, Score: c.runPeak, Snapshot: c.runPeakJPEG}
	m := &openMotion{ev: ev, last: t, peakJPEG: c.runPeakJPEG, flushedAt: t}
	c.mev = m
	c.runPeakJPEG = nil
	c.motionActive.Store(true)
	if c.motionRecords(m) {
		c.trigger(ev.Start, t.Add(c.postRoll), store.EventMotion) // before the write: never delay a recording
	}
	c.create(ctx, ev)
}

// flushMotion writes the open motion event's changes, at most every flushEvery unless forced.
func (c *camera) flushMotion(ctx context.Context, t time.Time, force bool) {
	m := c.mev
	if m == nil || !m.dirty || (!force && t.Sub(m.flushedAt) < flushEvery) {
		return
	}
	if m.snapDirty {
		m.ev.Snapshot = m.peakJPEG
	}
	c.update(ctx, m.ev)
	m.dirty, m.snapDirty, m.flushedAt = false, false, t
}

func (c *camera) endMotion(ctx context.Context) {
	m := c.mev
	c.mev = nil
	c.motionActive.Store(false)
	m.ev.End = m.last
	if m.snapDirty {
		m.ev.Snapshot = m.peakJPEG
	}
	c.update(ctx, m.ev)
}

// onQR makes an event for each text not read in the last qrRepeat.
func (c *camera) onQR(ctx context.Context, t time.Time, frame []byte, texts []string) {
	for _, text := range texts {
		c.qrCodes.Add(1)
		if last, ok := c.qrSeen[text]; ok {
			if d := t.Sub(last); d < qrRepeat && d > -qrRepeat {
				if d > 0 {
					c.qrSeen[text] = t
				}
				continue
			}
		}
		c.qrSeen[text] = t
		c.create(ctx, &Event{CameraID: c.id, Kind: store.EventQR, Start: t, End: t, Text: text, Snapshot: frame})
	}
	for text, last := range c.qrSeen {
		if d := t.Sub(last); d >= qrRepeat || d <= -qrRepeat {
			delete(c.qrSeen, text)
		}
	}
}

// wantDetect says whether this keyframe should go to the detector: every keyframe while a
// motion event is open, else one every idle interval.
func (c *camera) wantDetect(t time.Time) bool {
	if !c.detectOn() {
		return false
	}
	if c.mev != nil {
		return true
	}
	idle := time.Duration(c.cfg.Detect.EffectiveIdleIntervalS()) * time.Second
	return c.lastDetect.IsZero() || t.Sub(c.lastDetect) >= idle || t.Before(c.lastDetect)
}

func (c *camera) setDetectErr(s string) {
	c.mu.Lock()
	c.detectErr = s
	c.mu.Unlock()
}

func (c *camera) status() Status {
	c.mu.Lock()
	f, derr := c.flags, c.detectErr
	c.mu.Unlock()
	s := Status{
		MotionScore:     math.Float64frombits(c.score.Load()),
		MotionActive:    c.motionActive.Load(),
		Events:          c.events.Load(),
		ObjectsTracked:  int(c.tracked.Load()),
		DetectError:     derr,
		Detections:      c.detections.Load(),
		DetectSkipped:   c.detectSkipped.Load(),
		Keyframes:       c.keyframes.Load(),
		FramesDropped:   c.dropped.Load(),
		DetectErrors:    c.detectErrors.Load(),
		QRCodes:         c.qrCodes.Load(),
		DecodeErrors:    c.decodeErrors.Load(),
		MotionThreshold: f.threshold,
		MotionEnabled:   f.motion,
		DetectEnabled:   f.detect,
		QREnabled:       f.qr,
	}
	if ns := c.lastFrameNS.Load(); ns != 0 {
		s.LastKeyframe = time.Unix(0, ns).UTC().Format(store.TimeFormat)
	}
	return s
}

// quiet reports whether everything handed to the camera has been dealt with (for tests).
func (c *camera) quiet() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frame == nil && c.result == nil && c.newCfg == nil && c.configs.Load() == c.applied.Load() &&
		c.offered.Load() == c.analysed.Load()+c.dropped.Load() &&
		c.posted.Load() == c.resolved.Load()
}
