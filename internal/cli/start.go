package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/nvrproject/nvr/internal/api"
	"github.com/nvrproject/nvr/internal/app"
	"github.com/nvrproject/nvr/internal/mqtt"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/ui"
)

func init() { extraCommands = append(extraCommands, newStartCmd) }

type startFlags struct {
	listen   string
	ramDir   string
	demo     bool
	maxBytes int64
	model    string
	threads  int
	// allowHosts are extra Host names the web UI answers to; http the connection timeouts.
	allowHosts []string
	// mqttListen, when set, hosts an MQTT broker there for mqttUser ($NVR_MQTT_PASSWORD).
	mqttListen, mqttUser string
	http                 api.HTTPOptions
	// trustedProxies are --trusted-proxy CIDRs (see start_trust.go).
	trustedProxies []string
	// tls is HTTPS (start_tls.go).
	tls tlsFlags
	// publicURL is --public-url (start_public.go).
	publicURL string
}

func newStartCmd(g *globalFlags) *cobra.Command {
	f := &startFlags{}
	cmd := &cobra.Command{
		Use:   "start",
		Short: "run the NVR: cameras, recording and the web UI",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return runStart(ctx, g, f)
		},
	}
	cmd.Flags().StringVar(&f.listen, "listen", "127.0.0.1:8080", "address of the web UI and API")
	cmd.Flags().StringVar(&f.ramDir, "ram-dir", "/dev/shm/nvr", "RAM-disk directory for worker sockets, FIFOs and the pre-roll rings (each data dir gets its own subdirectory)")
	cmd.Flags().Int64Var(&f.maxBytes, "max-bytes", 0, "disk budget for all recordings in bytes (0: none; the volume always keeps 5 % free)")
	cmd.Flags().StringVar(&f.model, "model", defaultModelPath(), "object detection model (YOLOX .onnx); ONNX Runtime is found via $NVR_ONNXRUNTIME_LIB, lib/ beside bin/, or the system")
	cmd.Flags().IntVar(&f.threads, "detect-threads", 0, "threads one object detection may use (0: all cores but one, at least 1)")
	cmd.Flags().StringVar(&f.mqttListen, "mqtt-listen", "", "host an MQTT broker on this address (for example :1883) for Home Assistant and nvr; the password is $NVR_MQTT_PASSWORD")
	cmd.Flags().StringVar(&f.mqttUser, "mqtt-user", "nvr", "the embedded MQTT broker's user (with --mqtt-listen)")
	cmd.Flags().BoolVar(&f.demo, "demo", false, "add a synthetic demo camera if there is no camera yet")
	addHTTPFlags(cmd, f)
	addTrustFlags(cmd, f)
	addTLSFlags(cmd, &f.tls)
	addPublicFlags(cmd, f)
	return cmd
}

// workerPath finds nvr-worker: $NVR_WORKER, else beside this executable.
func workerPath() string {
	if p := os.Getenv("NVR_WORKER"); p != "" {
		return p
	}
	exe, err := os.Executable()
	if err != nil {
		return "nvr-worker"
	}
	return filepath.Join(filepath.Dir(exe), "nvr-worker")
}

func runStart(ctx context.Context, g *globalFlags, f *startFlags) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// One nvrd per data directory: the lock comes before anything is cleaned up or written.
	inst, err := app.Lock(g.dataDir)
	if err != nil {
		return err
	}
	defer inst.Close()
	secure, err := useTLS(f.tls, loopbackOnly(f.listen))
	if err != nil {
		return err
	}
	ln, err := listenLimited(f.listen, log)
	if err != nil {
		return err
	}
	defer ln.Close()
	if err := inst.Announce(ln.Addr().String()); err != nil {
		return err
	}
	if f.demo {
		st, err := store.Open(g.dataDir)
		if err != nil {
			return err
		}
		err = addDemoCamera(ctx, st)
		st.Close()
		if err != nil {
			return err
		}
	}
	proxies, err := parseTrustedProxies(f.trustedProxies)
	if err != nil {
		return err
	}
	pubScheme := "http"
	if secure {
		pubScheme = "https"
	}
	public, err := publicURL(f.publicURL, pubScheme, ln.Addr())
	if err != nil {
		return err
	}
	a, err := app.New(app.Options{PublicURL: public, DataDir: g.dataDir, RAMDir: inst.RAMDir(f.ramDir), WorkerPath: workerPath(), UI: ui.FS(), Log: log,
		Recorder: recorder.Options{MaxBytes: f.maxBytes}, ModelPath: f.model, DetectThreads: f.threads,
		Listen: f.listen, AllowHosts: f.allowHosts, Version: Version, TrustedProxies: proxies})
	if err != nil {
		return err
	}
	defer a.Close()
	if f.mqttListen != "" {
		b, err := mqtt.StartBroker(f.mqttListen, f.mqttUser, os.Getenv("NVR_MQTT_PASSWORD"), log)
		if err != nil {
			return err
		}
		defer b.Close() // after the app's MQTT client said offline (deferred later, run first)
		log.Info("embedded MQTT broker listening", "address", b.Addr, "user", f.mqttUser)
	}
	authSvc := a.Auth
	srv := api.NewHTTPServer(a.Handler, f.http)
	scheme := "http"
	if secure {
		cfg, fp, spki, made, err := tlsConfig(f.tls, g.dataDir)
		if err != nil {
			return err
		}
		srv.TLSConfig, scheme = cfg, "https"
		if f.tls.cert == "" {
			what := "its"
			if made {
				what = "a new"
			}
			fmt.Fprintf(os.Stderr, "\n  nvr serves HTTPS with %s self-signed certificate. Check that your browser shows\n  this SHA-256 fingerprint before you accept it:\n\n    %s\n\n", what, fp)
		}
		log.Info("HTTPS", "certificate_sha256", fp, "spki_sha256", spki)
		a.SetTLS(api.TLSInfo{HTTPS: true, CertificateSHA256: fp, SPKISHA256: spki, SelfSigned: f.tls.cert == ""})
	} else if !loopbackOnly(f.listen) {
		log.Warn("serving plain HTTP on a network address (--insecure-http): passwords and session cookies cross the network in clear")
	}
	base := scheme + "://" + ln.Addr().String()
	log.Info("nvrd started", "url", base+"/", "data_dir", g.dataDir, "version", Version)
	if tok, ok, err := authSvc.SetupToken(ctx); err == nil && ok {
		// First run: no default password. This one-time link (valid for an hour) creates the first admin.
		fmt.Fprintf(os.Stderr, "\n  nvr has no user yet. To create the administrator, open within one hour:\n\n    %s/login.html?setup#token=%s\n\n  (or run: nvrd user add NAME --role admin)\n\n", base, tok)
	}

	supCtx, supCancel := context.WithCancel(ctx)
	defer supCancel()
	supDone := make(chan error, 1)
	go func() { supDone <- a.Run(supCtx) }()
	// The web server starts once the recorder has reconciled the index with the disk, so no page shows a
	// recording a crash left open (or a segment it left half-written) as if it were still being written.
	startServe := a.Recorder.Ready()
	srvDone := make(chan error, 1)
	go func() {
		select {
		case <-startServe:
		case <-supCtx.Done():
			return // stopping before the core was ready: nothing to serve
		}
		if srv.TLSConfig != nil {
			srvDone <- srv.ServeTLS(ln, "", "")
			return
		}
		srvDone <- srv.Serve(ln)
	}()

	var runErr error
	coreDone := false
	select {
	case <-ctx.Done():
	case err := <-srvDone:
		runErr = fmt.Errorf("web server stopped: %w", err)
	case err := <-supDone:
		// The core (cameras, recorder, events) ended on its own: a web server without it would show
		// dead cameras, so nvrd stops too and says why (its service manager restarts it).
		coreDone = true
		runErr = coreStopped(err)
		log.Error("the core stopped; shutting down", "err", runErr)
	}
	log.Info("shutting down")
	shCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shCtx)
	supCancel()
	if !coreDone {
		if err := <-supDone; err != nil && !errors.Is(err, context.Canceled) && runErr == nil {
			runErr = err
		}
	}
	if runErr != nil {
		return runErr
	}
	log.Info("nvrd stopped")
	return nil
}

// coreStopped is the error nvrd exits with when the core's Run returned before nvrd was asked to stop.
func coreStopped(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return errors.New("the cameras, recorder and event engine stopped unexpectedly")
	}
	return fmt.Errorf("stopped because %w", err)
}

func addDemoCamera(ctx context.Context, st *store.Store) error {
	cams, err := st.Cameras(ctx)
	if err != nil {
		return err
	}
	if len(cams) > 0 {
		return nil
	}
	c := &store.Camera{Name: "Demo", URL: "demo://", Enabled: true, CameraSettings: store.DefaultSettings()}
	return st.CreateCamera(ctx, c)
}
