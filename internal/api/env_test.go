package api

import (
	"bytes"
	"context"
	"github.com/nvrproject/nvr/pkg/manifest"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/push"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/webhook"
)

// adminTokens maps a test server to its administrator's token (used by call).
var adminTokens sync.Map

// testEnv is a real API server on a real store with three users: an admin, a viewer of camera "yard"
// and a viewer without cameras; two cameras exist, "yard" and "house".
type testEnv struct {
	srv                  *httptest.Server
	st                   *store.Store
	auth                 *auth.Service
	logs                 *bytes.Buffer
	admin, with, without string  // API tokens
	api                  *Server // the server under test (to drive its sampler)
}

const testPassword = "tr0ub4dor&3-horse"

var (
	hashOnce sync.Once
	pwHash   string
)

// newEnv builds the test server; opts may change its options (ONVIF is a stub unless one does).
func newEnv(t testing.TB, opts ...func(*Options)) *testEnv {
	t.Helper()
	return newEnvWith(t, opts...)
}

// newEnvWith is newEnv with a hook that completes the server's options (event engine, motion, ...).
func newEnvWith(t testing.TB, opts ...func(*Options)) *testEnv {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// No camera runs in these tests (the supervisor added nothing but a nil Camera): fake pipelines.
	sup := &fakePipelines{}
	ctx := context.Background()
	hashOnce.Do(func() {
		h, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
		pwHash = string(h)
	})
	for _, c := range []*store.Camera{
		{Name: "Yard", URL: "rtsp://op:yard-secret@10.0.0.5/s1", Enabled: false, CameraSettings: store.DefaultSettings()},
		{Name: "House", URL: "rtsp://op:house-secret@10.0.0.6/s1", Enabled: false, CameraSettings: store.DefaultSettings()},
	} {
		if err := st.CreateCamera(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	users := []*store.User{
		{Name: "admin", Role: store.RoleAdmin},
		{Name: "neighbour", Role: store.RoleViewer, Cameras: map[string]store.Perm{"yard": {Live: true, Recordings: true}}},
		{Name: "stranger", Role: store.RoleViewer},
	}
	a := auth.New(st)
	toks := make([]string, len(users))
	for i, u := range users {
		u.PasswordHash = pwHash
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if toks[i], err = a.NewToken(ctx, u.Name, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// One recording per camera: 1 is yard's, 2 is house's.
	for _, cam := range []string{"yard", "house"} {
		rec := &store.Recording{CameraID: cam, Kind: store.KindEvent, Reason: "test", Start: time.Now().Add(-time.Minute), Dir: cam + "/x"}
		if err := st.CreateRecording(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := st.AppendSegment(ctx, rec.ID, store.SegEntry{Index: 0, Duration: 2 * time.Second, Bytes: 188}, rec.Start.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	// One event per camera: 1 is yard's, 2 is house's.
	for _, cam := range []string{"yard", "house"} {
		ev := &store.Event{CameraID: cam, Kind: store.EventManual, Start: time.Now(), End: time.Now(), Snapshot: []byte{0xff, 0xd8, 0xff, 0xd9}}
		if err := st.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := recorder.New(recorder.Options{Store: st, DataDir: filepath.Join(dir, "data"), RAMDir: filepath.Join(dir, "ram")})
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, logs}, nil))
	signer, err := manifest.LoadOrCreateKey(filepath.Join(dir, "signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Store: st, Sup: sup, Auth: a, Recorder: realRecordings{rec}, Log: log, UI: testUI(), Signer: signer, ONVIF: stubONVIF{},
		Webhooks: webhook.New(webhook.Options{Store: st}), Notifications: push.New(push.Options{Store: st})}
	for _, f := range opts {
		f(&opt)
	}
	api := New(opt)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	adminTokens.Store(srv, toks[0])
	t.Cleanup(func() { adminTokens.Delete(srv) })
	return &testEnv{srv: srv, st: st, auth: a, logs: logs, admin: toks[0], with: toks[1], without: toks[2], api: api}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// do sends a request with an optional bearer token and extra headers; it returns the status and body.
func (e *testEnv) do(t *testing.T, method, path, token, body string, hdr http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json") // as the web page sends it
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// status sends a request and returns its status without reading the body (for endless streams).
func (e *testEnv) status(t *testing.T, method, path, token string) int {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// doClient sends a request with a logged-in client (its session cookie) and the CSRF header.
func (e *testEnv) doClient(t *testing.T, c *http.Client, method, path, body, csrf string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
