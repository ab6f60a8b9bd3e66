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
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/internal/api"
	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/events"
	"github.com/nvrproject/nvr/internal/mqtt"
	"github.com/nvrproject/nvr/internal/onvif"
	"github.com/nvrproject/nvr/internal/push"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/webhook"
	"github.com/nvrproject/nvr/pkg/detect"
	"github.com/nvrproject/nvr/pkg/ipc"
	"github.com/nvrproject/nvr/pkg/mpegts"
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
	// BackupEvery is how often the settings are checked for a change worth a new backup; 0 = 10 s (a hash of a few small tables).
	BackupEvery time.Duration
	// Version is nvrd's version (shown to Home Assistant).
	Version string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is believed (api.Options).
	TrustedProxies []netip.Prefix
	// ONVIFDiscovery is where ONVIF probes go ("": WS-Discovery multicast; tests: a loopback responder).
	ONVIFDiscovery string
	// PublicURL is the web app's address as others reach it (links in Home Assistant); "" = unknown.
	PublicURL string
	// ExportPace is a test hook (api.Options.ExportPace): a pause per segment of an export job, so a
	// browser test can watch a long export's progress. nvrd never sets it.
	ExportPace time.Duration
}

// App is a running nvrd's parts.
type App struct {
	Store    *store.Store
	Auth     *auth.Service
	Sup      *supervisor.Supervisor
	Recorder *recorder.Recorder
	Events   *events.Engine
	MQTT     *mqtt.Service
	Webhooks *webhook.Service
	Push     *push.Service
	Handler  http.Handler
	log      *slog.Logger
	detector *detect.Detector
	// dataDir and backupEvery drive the automatic settings backups (app/backup.go).
	dataDir     string
	backupEvery time.Duration
	onvif       *onvif.Service
	api         *api.Server                 // its sampler runs with the other parts (the system page's last hour)
	tls         atomic.Pointer[api.TLSInfo] // the HTTPS certificate (SetTLS)
}

// New opens the store and builds the parts; nothing runs until Run.
func New(opt Options) (*App, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if err := secureDirs(opt); err != nil {
		return nil, err
	}
	st, err := openStore(opt)
	if err != nil {
		return nil, err
	}
	ro := opt.Recorder
	ro.Store, ro.DataDir, ro.RAMDir, ro.Log = st, opt.DataDir, opt.RAMDir, opt.Log
	var sup *supervisor.Supervisor
	ro.Stream = func(id string) mpegts.Source {
		if c := sup.Camera(id); c != nil {
			return c.Hub()
		}
		return nil
	}
	rec, err := recorder.New(ro)
	if err != nil {
		st.Close()
		return nil, err
	}
	sup, err = supervisor.New(supervisor.Options{
		Store: st, RunDir: filepath.Join(opt.RAMDir, "run"), WorkerPath: opt.WorkerPath, Log: opt.Log,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	a := &App{Store: st, Auth: auth.New(st), Sup: sup, Recorder: rec, log: opt.Log, dataDir: opt.DataDir, backupEvery: opt.BackupEvery}
	// Events left open by the previous run's end (a crash) get an end.
	if n, err := st.CloseOpenEvents(context.Background(), time.Now()); err == nil && n > 0 {
		opt.Log.Info("closed events left open by the last run", "events", n)
	}
	eo := events.Options{Store: st, Recorder: rec, Log: opt.Log, Pictures: sup}
	a.detector, eo.DetectorErr = openDetector(opt)
	if a.detector != nil {
		eo.Detector = a.detector
	} else {
		opt.Log.Warn("object detection is unavailable; motion and QR events still work", "why", eo.DetectorErr)
	}
	a.Events = events.New(eo)
	// The supervisor's reconcile is the one owner of the camera set; these are told what changed.
	sup.AddListener(rec)
	sup.AddListener(a.Events)
	sup.OnKeyframe(func(_ string, k *ipc.Keyframe) { a.Events.Keyframe(k) })
	signer, err := OpenSigner(opt.DataDir)
	if err != nil {
		_ = a.Close()
		return nil, err
	}
	a.MQTT = newMQTT(a, opt)
	a.Webhooks, a.Push = newIntegrations(a, opt)
	a.onvif = &onvif.Service{Log: opt.Log, DiscoveryAddr: opt.ONVIFDiscovery}
	a.api = api.New(api.Options{ONVIF: a.onvif, Store: st, Sup: apiPipelines{sup}, Auth: a.Auth, Recorder: apiRecordings{rec},
		Analysis: apiAnalysis{a.Events}, UI: opt.UI, Log: opt.Log, Signer: signer,
		Listen: opt.Listen, AllowHosts: opt.AllowHosts, MQTT: a.MQTT, Webhooks: a.Webhooks, Notifications: a.Push, TrustedProxies: opt.TrustedProxies,
		TLS: a.tlsInfo, ExportPace: opt.ExportPace,
		Manual: func(ctx context.Context, id string, seconds int) error {
			_, err := a.Events.Manual(ctx, id, seconds)
			return err
		},
		Events: a.Events.Subscribe, Users: st, Prober: sup,
		Motion: func(id string) (float64, time.Time, bool) {
			s, ok := a.Events.Status(id)
			if !ok || s.LastKeyframe == "" {
				return 0, time.Time{}, false
			}
			at, err := time.Parse(time.RFC3339Nano, s.LastKeyframe)
			return s.MotionScore, at, err == nil
		},
	})
	a.Handler = a.api
	return a, nil
}

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

// Run runs the cameras and the recorder until ctx ends, then stops them (workers reaped, recordings
// closed) and returns.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for name, run := range map[string]func(context.Context) error{"cameras": a.Sup.Run, "recorder": a.Recorder.Run,
		"events": a.Events.Run, "backups": a.backupLoop, "mqtt": a.MQTT.Run,
		"system sampler": func(ctx context.Context) error { return a.api.RunSampler(ctx, 0) },
		"webhooks":       a.Webhooks.Run, "push": a.Push.Run} {
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

// Close ends the API's background exports (removing their files) and closes the detector and the
// store; call after Run has returned.
func (a *App) Close() error {
	if a.api != nil {
		a.api.Close()
	}
	if a.onvif != nil {
		a.onvif.Close() // pending automatic PTZ stops
	}
	if a.detector != nil {
		_ = a.detector.Close()
	}
	return a.Store.Close()
}
