// Package recorder keeps the footage: it cuts each camera's TS stream into segments (pkg/segments), holds
// the newest in a RAM-disk ring for pre-roll, writes event and continuous recordings durably to the data
// directory with their index in SQLite, reconciles disk and index on start-up, and applies retention.
//
// Every camera has one owner goroutine that holds all of its recording state; it reads the camera's
// parsed stream (a pkg/mpegts.Source) through a bounded queue the producer never waits for. The camera set
// is not read here: the supervisor tells the recorder Configure(camera) and Remove(id). Retention has its own
// goroutine. Crash safety rests on the order of writes, see docs/design.md: segment file to a temp name,
// fsync, rename, fsync the directory, and only then the index row.
package recorder

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/mpegts"
)

// Defaults.
const (
	DefaultSegment        = 2 * time.Second
	DefaultRoll           = 10 * time.Minute
	DefaultMinFreePercent = 5.0
	DefaultMaxAge         = store.DefaultMaxAgeDays * 24 * time.Hour
	ringMaxBytes          = 96 << 20 // per camera, whatever the bitrate
	queueLen              = 512      // stream batches (FIFO reads) waiting for a camera's owner
	idleClose             = 30 * time.Second
)

// Options configure a Recorder.
type Options struct {
	Store   *store.Store
	DataDir string // recordings go to DataDir/recordings
	RAMDir  string // the pre-roll rings go to RAMDir/<camera>
	Log     *slog.Logger
	Now     func() time.Time // the clock of retention by age (tests inject one)
	// Stream returns a camera's parsed stream (the supervisor's hub), or nil while it has none.
	Stream func(cameraID string) mpegts.Source

	Segment        time.Duration // target segment length (default 2 s)
	Roll           time.Duration // continuous recordings are rolled this often (default 10 min)
	MaxBytes       int64         // global budget for all recordings; 0 = none
	MinFreePercent float64       // keep this much of the volume free (default 5 %; negative = no check)
	RetentionEvery time.Duration // how often retention runs (default 30 s)
}

// Recorder records every camera. Create with New, start with Run.
type Recorder struct {
	opt  Options
	log  *slog.Logger
	root string // DataDir/recordings

	mu      sync.Mutex
	cams    map[string]*camRec
	runCtx  context.Context // set once Run has reconciled; owners start under it
	wg      sync.WaitGroup
	kickRet chan struct{}
	ready   chan struct{} // closed once Run has reconciled the disk with the index (or returned)
}

// New checks the options and creates the recordings directory.
func New(opt Options) (*Recorder, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Segment <= 0 {
		opt.Segment = DefaultSegment
	}
	if opt.Roll <= 0 {
		opt.Roll = DefaultRoll
	}
	if opt.MinFreePercent == 0 {
		opt.MinFreePercent = DefaultMinFreePercent
	}
	if opt.RetentionEvery <= 0 {
		opt.RetentionEvery = 30 * time.Second
	}
	root := filepath.Join(opt.DataDir, "recordings")
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("create recordings directory %s: %w", root, err)
	}
	return &Recorder{opt: opt, log: opt.Log.With("part", "recorder"), root: root, cams: map[string]*camRec{},
		kickRet: make(chan struct{}, 1), ready: make(chan struct{})}, nil
}

// Ready is closed once Run has reconciled the disk with the index (or has failed to), so that the
// index no longer shows what a crash left behind; nvrd answers HTTP only after it.
func (r *Recorder) Ready() <-chan struct{} { return r.ready }

// Root is the directory that holds the recordings.
func (r *Recorder) Root() string { return r.root }

// start runs c's owner goroutine under Run's context; r.mu is held.
func (r *Recorder) start(c *camRec) {
	ctx, cancel := context.WithCancel(r.runCtx)
	c.cancel = cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(c.done)
		c.run(ctx)
	}()
}

// Trigger asks for footage of a camera from start (the recording adds the camera's pre-roll before it)
// until at least until. Calling it again while the recording is open extends it. It never blocks.
// A camera that is not configured (removed, disabled) is ignored.
func (r *Recorder) Trigger(cameraID string, start, until time.Time, reason string) {
	r.mu.Lock()
	c := r.cams[cameraID]
	r.mu.Unlock()
	if c == nil {
		return
	}
	select {
	case c.trig <- trigger{start: start, until: until, reason: reason}:
	default:
		c.stat.triggersDropped.Add(1)
	}
}

// Status is a camera's recording state, for the camera status route and /metrics.
type Status struct {
	Recording       bool   `json:"recording"`
	RecordingID     string `json:"recording_id,omitempty"`
	Error           string `json:"error,omitempty"`
	SegmentsWritten int64  `json:"segments_written"`
	BytesWritten    int64  `json:"bytes_written"`
	Dropped         int64  `json:"packets_dropped"`
}

// Status returns a camera's recording state.
func (r *Recorder) Status(cameraID string) Status {
	r.mu.Lock()
	c := r.cams[cameraID]
	r.mu.Unlock()
	if c == nil {
		return Status{}
	}
	return c.status()
}

// Run reconciles the disk with the index, then records until ctx ends; it returns when every camera
// owner has closed its recording.
func (r *Recorder) Run(ctx context.Context) error {
	err := r.reconcile(ctx)
	close(r.ready)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.runCtx = ctx
	for _, c := range r.cams {
		r.start(c)
	}
	r.mu.Unlock()

	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.retentionLoop(ctx)
	}()
	<-ctx.Done()
	r.wg.Wait()
	return nil
}

// kickRetention asks the retention goroutine to run now (a write failed for lack of space).
func (r *Recorder) kickRetention() {
	select {
	case r.kickRet <- struct{}{}:
	default:
	}
}
