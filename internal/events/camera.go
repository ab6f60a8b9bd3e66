package events

import (
	"context"
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

// camera is one camera's event detection: its mailbox, its published status, and the
// goroutine (run) that owns the rest. The decisions are made by pure parts it drives: the
// motion state machine (motionMachine), the object tracker (tracker) and, for each
// keyframe, one keyframeImage that every analysis decodes through. The camera turns their
// decisions into events (camera_motion.go, camera_objects.go, camera_qr.go) and recorder
// triggers.
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

	stats cameraStats
	book  bookkeeping

	// owned by run
	cfg        store.Camera
	postRoll   time.Duration
	md         *motion.Detector // nil when motion detection is off
	motion     motionMachine[picture]
	mev        *motionEvent // the open motion event; non-nil exactly while motion.isOpen()
	qr         *qr.Reader   // nil when QR reading is off
	qrSeen     map[string]time.Time
	labels     map[string]bool
	recordOn   string
	objects    tracker[*objectEvent]
	lastDetect time.Time // keyframe time of the last detection request
	warns      warner
	health     health // offline and tamper (camera_health.go)
	asked      asked  // full-size pictures asked of the worker (camera_pictures.go)
}

// cameraStats are a camera's published counters.
type cameraStats struct {
	keyframes, dropped, events, detections atomic.Int64
	detectSkipped, detectErrors, qrCodes   atomic.Int64
	decodeErrors, lastFrameNS              atomic.Int64
	score                                  atomic.Uint64 // math.Float64bits of the latest motion score
	motionActive                           atomic.Bool
	tracked                                atomic.Int32
}

// bookkeeping is for tests (quiet): every offered keyframe is analysed or dropped, every
// detection request is replaced, handled or dropped.
type bookkeeping struct {
	offered, analysed, posted, resolved, configs, applied atomic.Int64
}

type statusSettings struct {
	motion, detect, qr bool
	threshold          float64
}

func newCamera(e *Engine, cam store.Camera) *camera {
	c := &camera{
		id:     cam.ID,
		e:      e,
		log:    e.log.With("camera", cam.ID),
		wake:   make(chan struct{}, 1),
		qrSeen: map[string]time.Time{},
	}
	c.warns.log = c.log
	c.apply(context.Background(), cam) // before the goroutine starts, so no frame goes unconfigured
	return c
}

// offer puts a keyframe in the mailbox, replacing one not analysed yet.
func (c *camera) offer(k *ipc.Keyframe) {
	c.mu.Lock()
	if c.frame != nil {
		c.stats.dropped.Add(1)
	}
	c.frame = k
	c.book.offered.Add(1)
	c.mu.Unlock()
	signal(c.wake)
}

// setConfig hands new settings to the camera's goroutine.
func (c *camera) setConfig(cam store.Camera) {
	c.mu.Lock()
	c.newCfg = &cam
	c.book.configs.Add(1)
	c.mu.Unlock()
	signal(c.wake)
}

// deliver hands a detection result to the camera's goroutine.
func (c *camera) deliver(r *detectResult) {
	c.mu.Lock()
	if c.result != nil {
		c.book.resolved.Add(1) // an older result nobody looked at: only the newest matters
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
	// dark fires when a camera that sent keyframes sends none for offlineAfter (an offline event).
	dark := time.NewTimer(time.Hour)
	dark.Stop()
	defer dark.Stop()
	defer func() {
		// Close what is open, with a context of its own: ctx has ended.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalWriteTimeout)
		defer cancel()
		c.closeAll(wctx)
		c.closeHealth(wctx)
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-dark.C:
			c.onDark(ctx)
		case <-stall.C:
			if c.mev != nil || c.objects.len() > 0 {
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
			nCfg := c.book.configs.Load()
			c.mu.Unlock()
			if cfg != nil {
				c.apply(ctx, *cfg)
				c.book.applied.Store(nCfg) // the earlier configurations were superseded by this one
			}
			if res != nil {
				c.onDetections(ctx, res)
				c.book.resolved.Add(1)
			}
			if frame != nil {
				c.onFrame(ctx, frame)
				c.book.analysed.Add(1)
				stall.Reset(c.stallAfter())
				dark.Reset(c.e.offlineAfter)
			}
		}
	}
}

// stallAfter is how long without keyframes closes the open events (camera gone).
func (c *camera) stallAfter() time.Duration { return c.postRoll + c.e.stallFor }

// closeAll ends the open motion event and every tracked object.
func (c *camera) closeAll(ctx context.Context) {
	c.closeMotion(ctx)
	c.endObjects(ctx, c.objects.clear())
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
		c.motion.setParams(cam.Motion.EffectiveMinFrames(), c.postRoll)
		flags.motion = c.md != nil
		flags.threshold = cam.Motion.Threshold
		if flags.threshold == 0 {
			flags.threshold = motion.DefaultThreshold
		}
	} else {
		c.md = nil
		c.closeMotion(ctx)
		c.stats.score.Store(0)
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
		c.endObjects(ctx, c.objects.clear())
	}
	c.mu.Lock()
	c.flags = flags
	c.mu.Unlock()
	// Said again on every change of the camera's row: a camera whose URL changed has a new
	// supervisor camera, which knows nothing of what the old one was asked.
	c.asked.sent = false
	c.wantAll(c.qr != nil)
}

// detectOn says whether this camera asks for object detection.
func (c *camera) detectOn() bool { return c.cfg.Detect.Enabled && c.e.sched != nil }

func (c *camera) trigger(start, until time.Time, reason string) {
	c.e.rec.Trigger(c.id, start, until, reason)
}

// link asks the recorder to link a stored event to the recording its trigger (sent just before, on the
// same queue) opened or extended, when the recorder makes such links (EventLinker).
func (c *camera) link(ev *Event) {
	if l, ok := c.e.rec.(EventLinker); ok && ev.ID != 0 {
		l.LinkEvent(c.id, ev.ID)
	}
}

// create stores a new event and publishes it. A failed write is retried by the next update.
func (c *camera) create(ctx context.Context, ev *Event) {
	c.stats.events.Add(1)
	ev.HasSnapshot = ev.HasSnapshot || ev.Snapshot != nil
	if err := c.e.store.CreateEvent(ctx, ev); err != nil {
		c.warns.warn("store", "an event could not be stored", "kind", ev.Kind, "err", err)
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
		c.warns.warn("store", "an event could not be stored", "kind", ev.Kind, "err", err)
	} else {
		ev.Snapshot = nil
	}
	c.e.bus.publish(ev)
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
	st := &c.stats
	s := Status{
		MotionScore:     math.Float64frombits(st.score.Load()),
		MotionActive:    st.motionActive.Load(),
		Events:          st.events.Load(),
		ObjectsTracked:  int(st.tracked.Load()),
		DetectError:     derr,
		Detections:      st.detections.Load(),
		DetectSkipped:   st.detectSkipped.Load(),
		Keyframes:       st.keyframes.Load(),
		FramesDropped:   st.dropped.Load(),
		DetectErrors:    st.detectErrors.Load(),
		QRCodes:         st.qrCodes.Load(),
		DecodeErrors:    st.decodeErrors.Load(),
		MotionThreshold: f.threshold,
		MotionEnabled:   f.motion,
		DetectEnabled:   f.detect,
		QREnabled:       f.qr,
	}
	if ns := st.lastFrameNS.Load(); ns != 0 {
		s.LastKeyframe = time.Unix(0, ns).UTC().Format(store.TimeFormat)
	}
	return s
}

// quiet reports whether everything handed to the camera has been dealt with (for tests).
func (c *camera) quiet() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := &c.book
	return c.frame == nil && c.result == nil && c.newCfg == nil && b.configs.Load() == b.applied.Load() &&
		b.offered.Load() == b.analysed.Load()+c.stats.dropped.Load() &&
		b.posted.Load() == b.resolved.Load()
}
