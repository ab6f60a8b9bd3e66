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
	"path/filepath"
	"sync"

	"github.com/nvrproject/nvr/internal/api"
	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
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
}

// App is a running nvrd's parts.
type App struct {
	Store    *store.Store
	Auth     *auth.Service
	Sup      *supervisor.Supervisor
	Recorder *recorder.Recorder
	Handler  http.Handler
	log      *slog.Logger
}

// New opens the store and builds the parts; nothing runs until Run.
func New(opt Options) (*App, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
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
	a.Handler = api.New(api.Options{Store: st, Sup: sup, Auth: a.Auth, Recorder: rec, UI: opt.UI, Log: opt.Log})
	return a, nil
}

// Run runs the cameras and the recorder until ctx ends, then stops them (workers reaped, recordings
// closed) and returns.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for name, run := range map[string]func(context.Context) error{"cameras": a.Sup.Run, "recorder": a.Recorder.Run} {
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

// Close closes the store; call after Run has returned.
func (a *App) Close() error { return a.Store.Close() }
