// Package supervisor runs nvr's cameras: for each enabled camera one nvr-worker process at a time,
// restarted with backoff when it fails or its stream stalls. The database is the source of truth: the
// supervisor reconciles the running set with it whenever it changes (API, CLI, another process). The
// reconcile is the only reader of the camera set: the other parts that keep per-camera state (recorder,
// event engine) are told Configure(camera) and Remove(id) through CameraListener.
package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// KeyframeFunc receives every keyframe of every camera. It is called on the camera's IPC goroutine and
// must return quickly (queue the work, keep only the latest frame).
type KeyframeFunc func(cameraID string, k *ipc.Keyframe)

// Options configure a Supervisor.
type Options struct {
	Store      *store.Store
	RunDir     string // sockets and FIFOs
	WorkerPath string // the nvr-worker binary
	Log        *slog.Logger
	// PollInterval is how often the database is checked for changes made by other processes.
	PollInterval time.Duration
	// Timings are the worker deadlines and the restart backoff; zero fields take DefaultTimings.
	Timings Timings
	// Runner starts worker processes; nil means ExecRunner.
	Runner Runner

	// restartHook, when set (by tests), is told of every failed attempt and the backoff before the next.
	restartHook func(cameraID string, gen uint64, err error, streamed, backoff time.Duration)
}

// Supervisor owns the set of running cameras.
type Supervisor struct {
	opt    Options
	log    *slog.Logger
	notify chan struct{}

	mu       sync.Mutex
	cams     map[string]*Camera
	disabled map[string]bool
	kfs      []KeyframeFunc
	ls       []CameraListener

	known map[string]store.Camera // what the listeners were told; owned by Run's goroutine
}

// CameraListener keeps per-camera state (the recorder, the event engine). The supervisor's reconcile
// calls Configure when an enabled camera appears or any of its settings changes (after the camera's
// worker, and so its stream, was started), and Remove when a camera is deleted or disabled; each exactly
// once per change, in that order, from one goroutine. Neither may block for long.
type CameraListener interface {
	Configure(cam store.Camera)
	Remove(cameraID string)
}

// New prepares a supervisor; Run starts it.
func New(opt Options) (*Supervisor, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.PollInterval == 0 {
		opt.PollInterval = time.Second
	}
	opt.Timings = opt.Timings.orDefaults()
	if opt.Runner == nil {
		opt.Runner = ExecRunner{}
	}
	if _, err := os.Stat(opt.WorkerPath); err != nil {
		return nil, fmt.Errorf("nvr-worker not found at %s (run make build): %w", opt.WorkerPath, err)
	}
	if err := os.MkdirAll(opt.RunDir, 0o700); err != nil {
		return nil, fmt.Errorf("create run directory %s: %w", opt.RunDir, err)
	}
	// Sockets and FIFOs of a previous run that died are stale.
	if old, _ := filepath.Glob(filepath.Join(opt.RunDir, "*.sock")); len(old) > 0 {
		for _, f := range old {
			os.Remove(f)
		}
	}
	if old, _ := filepath.Glob(filepath.Join(opt.RunDir, "*.ts")); len(old) > 0 {
		for _, f := range old {
			os.Remove(f)
		}
	}
	return &Supervisor{opt: opt, log: opt.Log, notify: make(chan struct{}, 1),
		cams: map[string]*Camera{}, disabled: map[string]bool{}, known: map[string]store.Camera{}}, nil
}

// AddListener registers a listener of the camera set. Call before Run.
func (s *Supervisor) AddListener(l CameraListener) {
	s.mu.Lock()
	s.ls = append(s.ls, l)
	s.mu.Unlock()
}

// OnKeyframe registers an analysis consumer of keyframes. Call before Run.
func (s *Supervisor) OnKeyframe(fn KeyframeFunc) {
	s.mu.Lock()
	s.kfs = append(s.kfs, fn)
	s.mu.Unlock()
}

func (s *Supervisor) keyframeHandlers() []KeyframeFunc {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kfs
}

// Changed asks for a reconcile now (after an API change).
func (s *Supervisor) Changed() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Camera returns a running camera, or nil.
func (s *Supervisor) Camera(id string) *Camera {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cams[id]
}

// Disabled reports whether the camera exists but is disabled.
func (s *Supervisor) Disabled(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disabled[id]
}

// Run reconciles until ctx is cancelled, then stops every camera and waits for their workers.
func (s *Supervisor) Run(ctx context.Context) error {
	defer s.stopAll()
	lastRev := int64(-1)
	t := time.NewTicker(s.opt.PollInterval)
	defer t.Stop()
	for {
		rev, err := s.opt.Store.CamerasRevision(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("cannot read camera revision", "err", err)
		}
		if err == nil && rev != lastRev {
			if err := s.reconcile(ctx); err != nil {
				if ctx.Err() == nil {
					s.log.Warn("cannot load cameras", "err", err)
				}
			} else {
				lastRev = rev
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.notify:
		}
	}
}

// reconcile starts, restarts and stops cameras so the running set matches the database. Only cameras
// whose configuration changed are touched.
func (s *Supervisor) reconcile(ctx context.Context) error {
	want, err := s.opt.Store.Cameras(ctx)
	if err != nil {
		return err
	}
	byID := map[string]*store.Camera{}
	disabled := map[string]bool{}
	for _, c := range want {
		if c.Enabled {
			byID[c.ID] = c
		} else {
			disabled[c.ID] = true
		}
	}
	s.mu.Lock()
	var stop []*Camera
	for id, cam := range s.cams {
		// Only a URL change (main or substream) restarts the worker; settings reach their consumers through the listeners.
		if w, ok := byID[id]; !ok || w.URL != cam.cfg.URL || w.SubURL != cam.cfg.SubURL {
			stop = append(stop, cam)
			delete(s.cams, id)
		}
	}
	s.disabled = disabled
	s.mu.Unlock()
	for _, cam := range stop {
		cam.log.Info("stopping camera")
		cam.stop()
		<-cam.done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, cfg := range byID {
		if _, ok := s.cams[id]; ok {
			continue
		}
		cam := newCamera(s, cfg)
		cctx, cancel := context.WithCancel(context.Background())
		cam.stop, cam.done = cancel, make(chan struct{})
		s.cams[id] = cam
		cam.log.Info("starting camera")
		go cam.run(cctx)
	}
	ls := s.ls
	s.mu.Unlock()
	s.tell(ls, byID)
	s.mu.Lock()
	return nil
}

// tell hands the listeners what changed since the last reconcile: Remove for cameras gone or disabled,
// Configure for cameras new or changed.
func (s *Supervisor) tell(ls []CameraListener, byID map[string]*store.Camera) {
	for id := range s.known {
		if _, ok := byID[id]; !ok {
			delete(s.known, id)
			for _, l := range ls {
				l.Remove(id)
			}
		}
	}
	for id, c := range byID {
		cur := *c
		cur.Revision = 0 // bumped by any write, even one that changes nothing
		if old, ok := s.known[id]; ok && reflect.DeepEqual(old, cur) {
			continue
		}
		s.known[id] = cur
		for _, l := range ls {
			l.Configure(*c)
		}
	}
}

func (s *Supervisor) stopAll() {
	s.mu.Lock()
	cams := s.cams
	s.cams = map[string]*Camera{}
	s.mu.Unlock()
	for _, c := range cams {
		c.stop()
	}
	for _, c := range cams {
		<-c.done
	}
}
