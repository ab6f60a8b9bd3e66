// Package app assembles nvrd from its parts (store, auth, supervisor, recorder, HTTP API) so that
// `nvrd start` and the end-to-end tests run the very same wiring.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nvrproject/nvr/internal/api"
	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/events"
	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/pkg/detect"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// Options configure an App.
type Options struct {
	DataDir    string
	RAMDir     string // sockets, FIFOs (RAMDir/run) and pre-roll rings (RAMDir/<camera>)
	WorkerPath string
	UI         fs.FS
	Log        *slog.Logger
	// Recorder overrides (zero values: defaults); Store, DataDir, RAMDir and Log are filled in.
	Recorder recorder.Options
	// ModelPath is the object detection model (YOLOX .onnx); "" = no object detection.
	ModelPath string
	// DetectLibrary is the ONNX Runtime library; "" = pkg/detect's search.
	DetectLibrary string
	// DetectThreads is the inference threads; 0 = all cores but one.
	DetectThreads int
	// Listen and AllowHosts decide which Host names the HTTP API answers (api.Options).
	Listen     string
	AllowHosts []string
}

// App is a running nvrd's parts.
type App struct {
	Store    *store.Store
	Auth     *auth.Service
	Sup      *supervisor.Supervisor
	Recorder *recorder.Recorder
	Events   *events.Engine
	Handler  http.Handler
	log      *slog.Logger
	detector *detect.Detector
}

// New opens the store and builds the parts; nothing runs until Run.
func New(opt Options) (*App, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if err := secureDirs(opt); err != nil {
		return nil, err
	}
	st, err := store.Open(opt.DataDir)
	if err != nil {
		return nil, err
	}
	ro := opt.Recorder
	ro.Store, ro.DataDir, ro.RAMDir, ro.Log = st, opt.DataDir, opt.RAMDir, opt.Log
	rec, err := recorder.New(ro)
	if err != nil {
		st.Close()
		return nil, err
	}
	sup, err := supervisor.New(supervisor.Options{
		Store: st, RunDir: filepath.Join(opt.RAMDir, "run"), WorkerPath: opt.WorkerPath, Log: opt.Log,
		OnPackets: func(id string) func(live.Packets) { return rec.Packets(id) },
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	a := &App{Store: st, Auth: auth.New(st), Sup: sup, Recorder: rec, log: opt.Log}
	// Events left open by the previous run's end (a crash) get an end.
	if n, err := st.CloseOpenEvents(context.Background(), time.Now()); err == nil && n > 0 {
		opt.Log.Info("closed events left open by the last run", "events", n)
	}
	eo := events.Options{Store: st, Recorder: rec, Log: opt.Log}
	a.detector, eo.DetectorErr = openDetector(opt)
	if a.detector != nil {
		eo.Detector = a.detector
	} else {
		opt.Log.Warn("object detection is unavailable; motion and QR events still work", "why", eo.DetectorErr)
	}
	a.Events = events.New(eo)
	sup.OnKeyframe(func(_ string, k *ipc.Keyframe) { a.Events.Keyframe(k) })
	a.Handler = api.New(api.Options{Store: st, Sup: sup, Auth: a.Auth, Recorder: rec, UI: opt.UI, Log: opt.Log,
		Listen: opt.Listen, AllowHosts: opt.AllowHosts,
		Manual: func(ctx context.Context, id string, seconds int) error {
			_, err := a.Events.Manual(ctx, id, seconds)
			return err
		},
		Events: a.Events.Subscribe,
		Motion: func(id string) (float64, time.Time, bool) {
			s, ok := a.Events.Status(id)
			if !ok || s.LastKeyframe == "" {
				return 0, time.Time{}, false
			}
			at, err := time.Parse(time.RFC3339Nano, s.LastKeyframe)
			return s.MotionScore, at, err == nil
		},
		Analysis: func(id string) any {
			if s, ok := a.Events.Status(id); ok {
				return analysis{s}
			}
			return nil
		},
	})
	return a, nil
}

// analysis is a camera's event-engine status as the API shows it.
type analysis struct{ events.Status }

// MotionScoreValue is read by /metrics.
func (a analysis) MotionScoreValue() float64 { return a.MotionScore }

// openDetector loads the shared detection session, or says why there is none.
func openDetector(opt Options) (*detect.Detector, error) {
	if opt.ModelPath == "" {
		return nil, fmt.Errorf("%w: no model is configured", detect.ErrUnavailable)
	}
	if _, err := os.Stat(opt.ModelPath); err != nil {
		return nil, fmt.Errorf("%w: the model %s is missing; run make setup (scripts/setup-onnxruntime)", detect.ErrUnavailable, opt.ModelPath)
	}
	return detect.Open(detect.Options{ModelPath: opt.ModelPath, LibraryPath: opt.DetectLibrary, Threads: opt.DetectThreads})
}

// configureLoop keeps the event engine's cameras in step with the database.
func (a *App) configureLoop(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var rev int64 = -1
	known := map[string]bool{}
	var lastSweep time.Time
	for {
		if time.Since(lastSweep) > 10*time.Minute {
			// Events older than the longest default retention go with their footage.
			lastSweep = time.Now()
			if n, err := a.Store.DeleteEventsBefore(ctx, "", time.Now().Add(-recorder.DefaultMaxAge)); err == nil && n > 0 {
				a.log.Info("old events deleted", "events", n)
			}
		}
		if n, err := a.Store.CamerasRevision(ctx); err == nil && n != rev {
			if cams, err := a.Store.Cameras(ctx); err == nil {
				rev = n
				seen := map[string]bool{}
				for _, c := range cams {
					a.Events.Configure(*c)
					seen[c.ID] = true
				}
				for id := range known {
					if !seen[id] {
						a.Events.Remove(id)
					}
				}
				known = seen
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Run runs the cameras and the recorder until ctx ends, then stops them (workers reaped, recordings
// closed) and returns.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for name, run := range map[string]func(context.Context) error{"cameras": a.Sup.Run, "recorder": a.Recorder.Run,
		"events": a.Events.Run, "event settings": a.configureLoop} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errs)
	return errors.Join(collect(errs)...)
}

func collect(ch <-chan error) []error {
	var out []error
	for e := range ch {
		out = append(out, e)
	}
	return out
}

// Close closes the detector and the store; call after Run has returned.
func (a *App) Close() error {
	if a.detector != nil {
		_ = a.detector.Close()
	}
	return a.Store.Close()
}
