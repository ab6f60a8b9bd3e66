// Package e2e holds nvr's end-to-end tests: a real RTSP camera on loopback (internal/testcam), real
// nvr-worker processes running GStreamer, and nvrd's supervisor and HTTP API in the test process, so
// the race detector covers them.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nvrproject/nvr/internal/app"
	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
	"github.com/nvrproject/nvr/ui"
)

var (
	repoRoot   string
	workerBin  string
	nvrdBin    string
	clip       [][][]byte
	skipReason string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	wd, _ := os.Getwd()
	repoRoot = filepath.Clean(filepath.Join(wd, "..", ".."))
	tmp, err := os.MkdirTemp("", "nvr-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		skipReason = "GStreamer is not installed"
		return m.Run()
	}
	workerBin = filepath.Join(tmp, "nvr-worker")
	nvrdBin = filepath.Join(tmp, "nvrd")
	for bin, pkg := range map[string]string{workerBin: "./cmd/nvr-worker", nvrdBin: "./cmd/nvrd"} {
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", pkg, err, out)
			return 1
		}
	}
	clip, err = testcam.Encode(filepath.Join(repoRoot, ".cache", "testclips"), testcam.Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 25, BitrateKbps: 1000, Frames: 100})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func need(t testing.TB) {
	t.Helper()
	if skipReason != "" {
		testskip.Skip(t, skipReason, "run make setup")
	}
}

// nvr is nvrd's supervisor and API running in the test process.
type nvr struct {
	t    *testing.T
	srv  *httptest.Server
	sup  *supervisor.Supervisor
	st   *store.Store
	app  *app.App
	logs *bytes.Buffer
	// stop shuts nvrd down (also run at cleanup).
	stop    func()
	dataDir string
	// token is an administrator's API token, sent with every request.
	token string
}

type syncBuffer struct {
	mu  chan struct{}
	buf *bytes.Buffer
}

func (b syncBuffer) Write(p []byte) (int, error) {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}

// startNVR runs nvrd with an administrator (see startNVRWith).
//
// Running tests in parallel: every nvrd, camera and nvrd process here gets its own temp dir and a port
// picked by the kernel (127.0.0.1:0), and nothing in this package keeps state between tests, so a test
// that mostly waits on the camera's real time calls t.Parallel() first (make test runs -parallel 4). A
// test that changes the process (t.Setenv, os.Setenv, a mount), or whose check depends on having the
// machine to itself (frame rates, latency, CPU-heavy browser playback), stays sequential: the
// parallel tests start only after every sequential one has finished.
func startNVR(t *testing.T) *nvr { return startNVRWith(t, nvrOptions{}) }

// nvrOptions change what startNVRWith builds.
type nvrOptions struct {
	dataDir  string           // default: a temp dir
	recorder recorder.Options // overrides
	noAdmin  bool             // leave nvr not set up (no user, no token): the first-run setup is the test's
	// onvifDiscovery is where ONVIF probes go (a fake device's loopback responder; never multicast).
	onvifDiscovery string
	// exportPace slows export jobs (app.Options.ExportPace), to watch a long export.
	exportPace time.Duration
	// addr is the address to serve on (default: a free loopback port); a restart passes the last one.
	addr string
}

// startNVRWith runs the whole of nvrd in the test process (app.New, as nvrd start does) with an
// administrator whose token every request carries.
func startNVRWith(t *testing.T, o nvrOptions) *nvr {
	t.Helper()
	need(t)
	dir := t.TempDir()
	if o.dataDir == "" {
		o.dataDir = filepath.Join(dir, "data")
	}
	logs := &bytes.Buffer{}
	logw := syncBuffer{mu: make(chan struct{}, 1), buf: logs}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(logw, newTestWriter(t)), &slog.HandlerOptions{Level: slog.LevelDebug}))
	ao := app.Options{DataDir: o.dataDir, RAMDir: filepath.Join(dir, "ram"), WorkerPath: workerBin, UI: ui.FS(), Log: log,
		Recorder: o.recorder}
	ao.ONVIFDiscovery = o.onvifDiscovery
	ao.ExportPace = o.exportPace
	// Object detection as make setup provisions it (the tests that need it skip without it).
	if m := filepath.Join(repoRoot, "models", "yolox_nano.onnx"); fileExists(m) {
		ao.ModelPath = m
	}
	if l := filepath.Join(repoRoot, "lib", "libonnxruntime.so"); fileExists(l) {
		ao.DetectLibrary = l
	}
	a, err := app.New(ao)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx) }()
	var token string
	if users, _ := a.Store.CountUsers(context.Background()); o.noAdmin && users == 0 {
		// no administrator yet: the test sets nvr up
	} else if users == 0 {
		token = newAdminToken(t, a.Store, a.Auth)
	} else {
		tok, err := a.Auth.NewToken(context.Background(), "root", "tests")
		if err != nil {
			t.Fatal(err)
		}
		token = tok
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	if o.addr != "" {
		l, err := listenAgain(o.addr)
		if err != nil {
			a.Close()
			t.Fatalf("listen on %s again: %v", o.addr, err)
		}
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	n := &nvr{t: t, srv: srv, sup: a.Sup, st: a.Store, app: a, logs: logs, token: token, dataDir: o.dataDir}
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			srv.Close()
			a.Close()
			// Every worker was reaped and every socket and FIFO removed.
			left, _ := filepath.Glob(filepath.Join(dir, "ram", "run", "*"))
			if len(left) > 0 {
				t.Errorf("files left in the run directory after shutdown: %v", left)
			}
		})
	}
	t.Cleanup(n.stop)
	return n
}

// testWriter logs each write with t.Log until t's cleanups reach it; later writes are dropped. A live
// WebSocket handler is hijacked, so httptest's Close does not wait for it, and its last log line (the
// audit of the socket's end) could come after the test ended: t.Log then is a data race.
type testWriter struct {
	t     *testing.T
	mu    *sync.Mutex
	ended *bool
}

// newTestWriter makes t's testWriter; registered before the parts that log, its cleanup runs after theirs.
func newTestWriter(t *testing.T) testWriter {
	w := testWriter{t: t, mu: &sync.Mutex{}, ended: new(bool)}
	t.Cleanup(func() { w.mu.Lock(); *w.ended = true; w.mu.Unlock() })
	return w
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !*w.ended {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// do sends a JSON request and decodes a JSON answer into out (if not nil); it returns the status code.
func (n *nvr) do(method, path string, body any, out any) int {
	n.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, n.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+n.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			n.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

// get fetches path as the administrator; the caller closes the body.
func (n *nvr) get(path string) *http.Response {
	n.t.Helper()
	req, _ := http.NewRequest("GET", n.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+n.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	return resp
}

func (n *nvr) addCamera(name, url string) string {
	n.t.Helper()
	var c store.Camera
	if code := n.do("POST", "/api/cameras", map[string]any{"name": name, "url": url}, &c); code != http.StatusCreated {
		n.t.Fatalf("create camera: HTTP %d", code)
	}
	return c.ID
}

func (n *nvr) status(id string) supervisor.Status {
	var s supervisor.Status
	if code := n.do("GET", "/api/cameras/"+id+"/status", nil, &s); code != http.StatusOK {
		n.t.Fatalf("status: HTTP %d", code)
	}
	return s
}

// waitStatus polls the status until cond holds or timeout passes.
func (n *nvr) waitStatus(id string, timeout time.Duration, what string, cond func(supervisor.Status) bool) supervisor.Status {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	var s supervisor.Status
	for time.Now().Before(deadline) {
		s = n.status(id)
		if cond(s) {
			return s
		}
		time.Sleep(200 * time.Millisecond)
	}
	n.t.Fatalf("camera %s: %s not reached within %s; last status %+v", id, what, timeout, s)
	return s
}

func (n *nvr) dialLive(id string) *websocket.Conn {
	n.t.Helper()
	u := "ws" + strings.TrimPrefix(n.srv.URL, "http") + "/api/cameras/" + id + "/live"
	ws, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + n.token}})
	if err != nil {
		n.t.Fatalf("dial live: %v", err)
	}
	n.t.Cleanup(func() { ws.Close() })
	return ws
}

func startCamera(t *testing.T, opt testcam.Options) *testcam.Server {
	t.Helper()
	need(t)
	if opt.AUs == nil {
		opt.AUs = clip
	}
	cam, err := testcam.Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cam.Close)
	return cam
}

// newAdminToken creates an administrator and returns an API token for it.
func newAdminToken(t testing.TB, st *store.Store, a *auth.Service) string {
	t.Helper()
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(context.Background(), &store.User{Name: "root", Role: store.RoleAdmin, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	tok, err := a.NewToken(context.Background(), "root", "tests")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// listenAgain listens on addr, which a stopped nvr used a moment ago (tried for a few seconds).
func listenAgain(addr string) (net.Listener, error) {
	var err error
	for i := 0; i < 50; i++ {
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			return l, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, err
}
