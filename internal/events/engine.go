// Package events turns camera keyframes into events: motion, objects, QR codes and manual
// recordings, and tells the recorder what to keep.
//
// The supervisor hands every keyframe JPEG to Engine.Keyframe from its IPC reader goroutine.
// Keyframe never blocks: each camera has one owner goroutine with a one-frame mailbox, and a
// new keyframe replaces one that was not processed yet (counted in Status.FramesDropped). The
// owner scores motion (pkg/motion), reads QR codes (pkg/qr) and acts on the decisions of pure
// parts it drives: the motion state machine (motionMachine) and the object tracker (tracker).
// All of a camera's event state belongs to it.
//
// Each keyframe is wrapped once in a keyframeImage, through which motion, QR, detection and
// snapshot drawing decode it: lazily, at the scale each needs (pkg/jpegscale), at most once
// per scale. Its size comes from ipc.Keyframe.
//
// Object detection is shared by every camera: one scheduler goroutine runs the Detector, one
// request at a time, under a global cap of detections per second (a token bucket). Each camera
// has at most one request waiting; a newer keyframe replaces it, so a slow detector never
// builds a backlog. A camera asks for detection on every keyframe while a motion event is open
// and every idle_interval_s otherwise.
//
// # Events
//
//   - motion: starts when min_frames consecutive keyframes score at or above the threshold
//     (global changes such as lights switching never count) at the first of those keyframes,
//     and ends once post_roll_s (the camera's record settings) passed without motion. End is
//     the time of the last keyframe with motion; Score the peak score; the snapshot is the
//     keyframe with the peak score.
//   - object: a listed object (labels, min_score, min_area, zones) that the tracker had not
//     seen: same label and a box overlapping (IoU ≥ 0.3) one it saw before is the same object.
//     It ends when a detection run has not seen it for post_roll_s; End is when it was last
//     seen. The snapshot is the keyframe with the boxes drawn.
//   - qr: each text read, unless the same text was read in the last 10 s. Start = End.
//   - manual: Engine.Manual, for POST /api/cameras/{id}/record.
//   - offline: a camera that sent keyframes sends none for Options.OfflineAfter; Start is its last
//     keyframe, End the first keyframe after it came back (camera_health.go). It records nothing.
//   - tamper: TamperFrames keyframes in a row whose luma is nearly uniform (standard deviation under
//     TamperStdDev: a covered lens); it ends at the first keyframe with detail again.
//
// # Recording
//
// The engine tells the Recorder what to keep, whatever the camera's record mode (the recorder
// applies the mode). With detect.record_on "motion" (the default) motion events record; with
// "objects" a motion event records only once a listed object is seen during it, from the
// motion's start (the recorder's pre-roll still holds it); with "either" motion events and
// object events both record. When detection cannot run (disabled, or no detector) "objects"
// behaves like "motion", so a camera without ONNX Runtime still records; with motion disabled,
// "objects" lets object events record.
//
// Times come from the keyframes' wall clock (ipc.Keyframe.Wall), so the state machines can be
// tested with synthetic keyframes; Options.Now is only used for manual events and keyframes
// without a time.
package events

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/detect"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// Event is one event, as stored and as the API shows it.
type Event = store.Event

// Recorder keeps footage for events. The app wires the recorder here.
type Recorder interface {
	// Trigger asks for the footage of cameraID from start until at least until. start is
	// when the event began: the recorder starts its recording its pre-roll before it, from
	// the footage it keeps in RAM. The engine calls Trigger again with the same start and a
	// later until to extend a recording while the event goes on; a call whose span overlaps
	// or touches a recording in progress extends that recording. reason is the kind of event
	// ("motion", "object" or "manual").
	//
	// Trigger must return quickly and be safe for concurrent use: cameras call it from their
	// own goroutines, Engine.Manual from its caller's. The engine calls it whatever the
	// camera's record mode is; the recorder decides what a trigger means in that mode.
	Trigger(cameraID string, start, until time.Time, reason string)
}

// EventLinker is an optional method of a Recorder (*recorder.Recorder has it): after an event that
// triggered recording is stored, the engine calls LinkEvent with its id, and the recorder links it to
// the recording that trigger opened or extended, so the event is kept and deleted with its footage.
// It must return quickly, like Trigger.
type EventLinker interface {
	LinkEvent(cameraID string, eventID int64)
}

// Sink stores events; *store.Store is one. CreateEvent fills in the event's ID. Both write
// e.Snapshot when it is not nil. The engine calls them from the cameras' goroutines.
type Sink interface {
	CreateEvent(ctx context.Context, e *store.Event) error
	UpdateEvent(ctx context.Context, e *store.Event) error
}

// SightingSink stores where an object event's object was on each keyframe it was seen;
// *store.Store is one. A Sink that is also a SightingSink is given them, a few seconds' worth
// at a time, from the cameras' goroutines.
type SightingSink interface {
	AddSightings(ctx context.Context, eventID int64, ss []store.Sighting) error
}

// Detector finds objects in a picture; *detect.Detector is one. Detect is called from one
// goroutine at a time. A Detector that also has DecodeSize and DetectScaled, as
// *detect.Detector has, is given the keyframe decoded at the reduced scale its model needs
// (shared with motion when that is the same scale); Detect is given the full picture.
type Detector interface {
	Detect(img image.Image) ([]detect.Detection, error)
}

// DefaultMaxDetectionsPerSecond caps detections across all cameras when
// Options.MaxDetectionsPerSecond is 0.
const DefaultMaxDetectionsPerSecond = 20

// Options configure an Engine.
type Options struct {
	// Store persists events. nil keeps events in memory only (they are still published).
	Store Sink
	// Recorder is told what to record. nil records nothing.
	Recorder Recorder
	// Detector runs object detection for every camera; nil (or a nil *detect.Detector)
	// means object detection is unavailable.
	Detector Detector
	// DetectorErr says why there is no detector (the error of detect.Open); Status shows it.
	DetectorErr error
	// Log receives the engine's messages; nil = slog.Default().
	Log *slog.Logger
	// Now is the clock for manual events and keyframes without a time; nil = time.Now.
	Now func() time.Time
	// MaxDetectionsPerSecond caps detections across all cameras; 0 = 20.
	MaxDetectionsPerSecond float64
	// OfflineAfter is how long a camera that sent keyframes may send none before an offline event
	// starts; 0 = DefaultOfflineAfter.
	OfflineAfter time.Duration
	// Pictures is asked for keyframes at full size when events need them (camera_pictures.go);
	// nil: every picture is the size the keyframes come in.
	Pictures Pictures
}

// ErrUnknownCamera is returned for a camera the engine does not run (unknown or disabled).
var ErrUnknownCamera = errors.New("camera is unknown or disabled")

// Engine runs the event detection of every camera. Its methods are safe for concurrent use.
type Engine struct {
	store    Sink
	rec      Recorder
	log      *slog.Logger
	now      func() time.Time
	det      Detector
	detErr   string
	bus      *bus
	sched    *scheduler // nil without a detector
	stallFor time.Duration
	// offlineAfter: no keyframe for this long makes an offline event (camera_health.go).
	offlineAfter time.Duration
	pics         Pictures // nil: none asked for

	mu      sync.Mutex
	cams    map[string]*camera
	runCtx  context.Context
	started bool
	stopped bool
	wg      sync.WaitGroup

	unknownFrames atomic.Int64

	// onDecode, when set before cameras are configured, is told of every keyframe decode
	// (tests count them).
	onDecode func(k *keyframeImage, scale int, colour bool)
}

type nopSink struct{}

func (nopSink) CreateEvent(context.Context, *store.Event) error { return nil }
func (nopSink) UpdateEvent(context.Context, *store.Event) error { return nil }

type nopRecorder struct{}

func (nopRecorder) Trigger(string, time.Time, time.Time, string) {}

// isNil reports whether v is nil or an interface holding a nil pointer.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Interface, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// New returns an Engine; call Run to start it.
func New(opt Options) *Engine {
	e := &Engine{
		store:    opt.Store,
		rec:      opt.Recorder,
		log:      opt.Log,
		now:      opt.Now,
		bus:      newBus(),
		cams:     map[string]*camera{},
		stallFor: 15 * time.Second,

		offlineAfter: opt.OfflineAfter,
	}
	if !isNil(opt.Pictures) {
		e.pics = opt.Pictures
	}
	if e.offlineAfter <= 0 {
		e.offlineAfter = DefaultOfflineAfter
	}
	if isNil(e.store) {
		e.store = nopSink{}
	}
	if isNil(e.rec) {
		e.rec = nopRecorder{}
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.now == nil {
		e.now = time.Now
	}
	if !isNil(opt.Detector) {
		e.det = opt.Detector
		rate := opt.MaxDetectionsPerSecond
		if rate <= 0 {
			rate = DefaultMaxDetectionsPerSecond
		}
		e.sched = newScheduler(opt.Detector, rate)
	} else {
		switch {
		case opt.DetectorErr != nil:
			e.detErr = opt.DetectorErr.Error()
		default:
			e.detErr = detect.ErrUnavailable.Error() + ": no detector was configured"
		}
	}
	return e
}

// Run runs the cameras' goroutines and the detection scheduler until ctx ends. Open events
// are closed (their end is the last time they were seen) before it returns, after every
// goroutine of the engine ended; subscribers' channels are closed then. Run may be called
// once; cameras may be configured before or after it starts.
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return errors.New("events: the engine is already running")
	}
	e.started = true
	e.runCtx = ctx
	for _, c := range e.cams {
		e.startLocked(c)
	}
	if e.sched != nil {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.sched.run(ctx)
		}()
	}
	e.mu.Unlock()

	<-ctx.Done()
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	e.wg.Wait()
	e.bus.close()
	return nil
}

func (e *Engine) startLocked(c *camera) {
	ctx, cancel := context.WithCancel(e.runCtx)
	c.cancel = cancel
	c.done = ctx.Done()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer cancel()
		c.run(ctx)
	}()
}

// Configure adds a camera or applies its changed settings, live. A disabled camera is removed.
func (e *Engine) Configure(cam store.Camera) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	if !cam.Enabled {
		e.removeLocked(cam.ID)
		return
	}
	if c := e.cams[cam.ID]; c != nil {
		c.setConfig(cam)
		return
	}
	c := newCamera(e, cam)
	e.cams[cam.ID] = c
	if e.started {
		e.startLocked(c)
	}
}

// Remove stops a camera's event detection; its open events are closed.
func (e *Engine) Remove(cameraID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.removeLocked(cameraID)
}

func (e *Engine) removeLocked(id string) {
	c := e.cams[id]
	if c == nil {
		return
	}
	delete(e.cams, id)
	if c.cancel != nil {
		c.cancel()
	}
}

func (e *Engine) camera(id string) *camera {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cams[id]
}

// Keyframe hands a camera's keyframe to the engine. It never blocks: if the camera's previous
// keyframe is still waiting, k replaces it. The engine keeps k and its JPEG (as an event
// snapshot); the caller must not change them afterwards. Keyframes of unknown cameras are
// ignored.
func (e *Engine) Keyframe(k *ipc.Keyframe) {
	if k == nil || len(k.JPEG) == 0 {
		return
	}
	c := e.camera(k.CameraID)
	if c == nil {
		e.unknownFrames.Add(1)
		return
	}
	c.offer(k)
}

// MaxManualSeconds bounds Manual's seconds.
const MaxManualSeconds = 3600

// Manual records cameraID now (with pre-roll) for seconds and makes a manual event
// (start now, end now+seconds, the latest keyframe as snapshot). The recorder is triggered
// before the event is stored, so an error storing it still leaves the recording running.
func (e *Engine) Manual(ctx context.Context, cameraID string, seconds int) (Event, error) {
	if seconds < 1 || seconds > MaxManualSeconds {
		return Event{}, fmt.Errorf("seconds must be between 1 and %d, not %d", MaxManualSeconds, seconds)
	}
	c := e.camera(cameraID)
	if c == nil {
		return Event{}, fmt.Errorf("camera %q: %w", cameraID, ErrUnknownCamera)
	}
	now := e.now()
	ev := &Event{CameraID: cameraID, Kind: store.EventManual, Start: now, End: now.Add(time.Duration(seconds) * time.Second)}
	ev.Snapshot = c.latestJPEG()
	ev.HasSnapshot = ev.Snapshot != nil
	e.rec.Trigger(cameraID, ev.Start, ev.End, store.EventManual)
	err := e.store.CreateEvent(ctx, ev)
	if err != nil {
		err = fmt.Errorf("the recording started but the event could not be stored: %w", err)
	} else {
		c.link(ev)
	}
	c.stats.events.Add(1)
	e.bus.publish(ev)
	return publicCopy(ev), err
}

// Subscribe returns a channel of events as they start, change and end (an event is sent again
// with the same ID when it changes; End is set on the last send). A subscriber that does not
// keep up loses events (counted in Stats.SubscriberDrops); the engine never waits for it.
// cancel ends the subscription and closes the channel; the channel is also closed when Run
// returns. Events sent carry no snapshot bytes (HasSnapshot says whether there is one).
func (e *Engine) Subscribe(buffer int) (<-chan Event, func()) {
	return e.bus.subscribe(buffer)
}

// Status is a camera's event detection state, for its status page and /metrics.
type Status struct {
	MotionScore     float64 `json:"motion_score"`     // of the latest keyframe
	MotionActive    bool    `json:"motion_active"`    // a motion event is open
	Events          int64   `json:"events"`           // events made since the camera was configured
	ObjectsTracked  int     `json:"objects_tracked"`  // object events open
	DetectAvailable bool    `json:"detect_available"` // a detector is loaded
	DetectError     string  `json:"detect_error,omitempty"`
	Detections      int64   `json:"detections"`       // detector runs on this camera's keyframes
	DetectSkipped   int64   `json:"detect_skipped"`   // detection requests replaced by newer keyframes
	Keyframes       int64   `json:"keyframes"`        // keyframes analysed
	FramesDropped   int64   `json:"frames_dropped"`   // keyframes replaced before they were analysed
	DetectErrors    int64   `json:"detect_errors"`    // detector runs that failed
	QRCodes         int64   `json:"qr_codes"`         // QR texts read (before the 10 s repeat filter)
	DecodeErrors    int64   `json:"decode_errors"`    // keyframes that could not be decoded
	LastKeyframe    string  `json:"last_keyframe"`    // RFC 3339 time of the latest analysed keyframe, "" before the first
	MotionThreshold float64 `json:"motion_threshold"` // the threshold in effect
	MotionEnabled   bool    `json:"motion_enabled"`   // motion detection runs
	DetectEnabled   bool    `json:"detect_enabled"`   // the camera asks for object detection
	QREnabled       bool    `json:"qr_enabled"`       // QR codes are read
}

// Status returns a camera's state; false when the engine does not run the camera.
func (e *Engine) Status(cameraID string) (Status, bool) {
	c := e.camera(cameraID)
	if c == nil {
		return Status{}, false
	}
	s := c.status()
	s.DetectAvailable = e.det != nil
	if e.det == nil {
		s.DetectError = e.detErr
	}
	return s, true
}

// Stats are engine-wide counters for /metrics.
type Stats struct {
	Detections      int64 `json:"detections"`       // detector runs, all cameras
	DetectWaitNS    int64 `json:"detect_wait_ns"`   // time the scheduler waited for the rate cap
	SubscriberDrops int64 `json:"subscriber_drops"` // events a slow subscriber lost
	UnknownFrames   int64 `json:"unknown_frames"`   // keyframes of cameras the engine does not run
	Cameras         int   `json:"cameras"`
}

// Stats returns the engine-wide counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	n := len(e.cams)
	e.mu.Unlock()
	s := Stats{SubscriberDrops: e.bus.drops.Load(), UnknownFrames: e.unknownFrames.Load(), Cameras: n}
	if e.sched != nil {
		s.Detections = e.sched.ran.Load()
		s.DetectWaitNS = e.sched.waited.Load()
	}
	return s
}
