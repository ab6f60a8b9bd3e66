package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// nvrdProc is a real nvrd process.
type nvrdProc struct {
	cmd    *exec.Cmd
	url    string
	data   string
	ram    string
	stderr *lockedBuffer
	token  string // an admin's API token
	bin    string // nvrd's binary, "" for the one built for the tests (nvrdBin)
	worker string // nvr-worker's binary, "" for workerBin
}

// nvrdPath is the nvrd binary this process runs, and its CLI commands too.
func (p *nvrdProc) nvrdPath() string {
	if p.bin != "" {
		return p.bin
	}
	return nvrdBin
}

// workerPath is the nvr-worker binary this nvrd starts.
func (p *nvrdProc) workerPath() string {
	if p.worker != "" {
		return p.worker
	}
	return workerBin
}

// provisionAdmin creates an administrator and an API token with the CLI, as a user would.
func (p *nvrdProc) provisionAdmin(t testing.TB) {
	t.Helper()
	cmd := exec.Command(p.nvrdPath(), "user", "add", "root", "--role", "admin", "--data-dir", p.data)
	cmd.Stdin = strings.NewReader("correct horse battery\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nvrd user add: %v %s", err, out)
	}
	out, errOut, err := p.cli(t, "token", "create", "root")
	if err != nil {
		t.Fatalf("nvrd token create: %v %s", err, errOut)
	}
	p.token = strings.TrimSpace(out)
	if !strings.HasPrefix(p.token, "nvr_") {
		t.Fatalf("nvrd token create printed %q, not a token", out)
	}
}

// get fetches path with the admin token.
func (p *nvrdProc) get(t testing.TB, path string) (*http.Response, error) {
	req, err := http.NewRequest("GET", p.url+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	return http.DefaultClient.Do(req)
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func freeAddrB(b *testing.B) string { return freeAddr(b) }

func execNVRD(p *nvrdProc, addr string, args ...string) *exec.Cmd {
	cmd := exec.Command(p.nvrdPath(), append([]string{"start", "--data-dir", p.data, "--ram-dir", p.ram, "--listen", addr}, args...)...)
	cmd.Env = append(os.Environ(), "NVR_WORKER="+p.workerPath())
	if p.stderr != nil {
		cmd.Stderr = p.stderr
	}
	return cmd
}

func startNVRD(t *testing.T, args ...string) *nvrdProc { return launchNVRD(t, true, args...) }

// launchNVRD starts nvrd on a fresh data dir, with an administrator made by the CLI when provision is set.
func launchNVRD(t testing.TB, provision bool, args ...string) *nvrdProc {
	t.Helper()
	return launchNVRDFrom(t, "", provision, args...)
}

// launchNVRDFrom is launchNVRD with the nvrd and nvr-worker binaries of binDir ("" for the ones built
// for the tests): a benchmark's baseline build.
func launchNVRDFrom(t testing.TB, binDir string, provision bool, args ...string) *nvrdProc {
	t.Helper()
	need(t)
	dir := t.TempDir()
	p := &nvrdProc{data: filepath.Join(dir, "data"), ram: filepath.Join(dir, "ram"), stderr: &lockedBuffer{}}
	if binDir != "" {
		p.bin, p.worker = filepath.Join(binDir, "nvrd"), filepath.Join(binDir, "nvr-worker")
	}
	addr := freeAddr(t)
	p.url = "http://" + addr
	if provision {
		p.provisionAdmin(t)
	}
	p.cmd = execNVRD(p, addr, args...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url + "/api/health"); err == nil {
			resp.Body.Close()
			return p
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("nvrd did not answer within 10 s:\n%s", p.stderr)
	return nil
}

func (p *nvrdProc) cliB(b *testing.B, args ...string) (string, string, error) {
	return p.cli(b, args...)
}

func (p *nvrdProc) statusB(b *testing.B, id string) (supervisor.Status, int) { return p.status(b, id) }

// stopB stops nvrd with SIGTERM and waits.
func (p *nvrdProc) stopB(b *testing.B) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait()
}

func (p *nvrdProc) cli(t testing.TB, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(p.nvrdPath(), append(args, "--data-dir", p.data)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func (p *nvrdProc) status(t testing.TB, id string) (supervisor.Status, int) {
	t.Helper()
	resp, err := p.get(t, "/api/cameras/"+id+"/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s supervisor.Status
	_ = json.NewDecoder(resp.Body).Decode(&s)
	return s, resp.StatusCode
}

func TestNvrdProcessCLIAndCleanShutdown(t *testing.T) {
	cam := startCamera(t, testcam.Options{User: "op", Pass: "pa:ss@word"})
	p := startNVRD(t)

	// The CLI changes the database; the running nvrd picks it up (it polls every second; how soon is
	// not what this checks, so the deadline is generous).
	out, errOut, err := p.cli(t, "camera", "add", "--name", "Drive", "--url", cam.URL())
	if err != nil {
		t.Fatalf("camera add: %v %s", err, errOut)
	}
	if !strings.Contains(out, "id drive") {
		t.Fatalf("camera add said %q", out)
	}
	added := time.Now()
	var s supervisor.Status
	for time.Since(added) < 30*time.Second {
		s, _ = p.status(t, "drive")
		if s.Generation >= 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s.Generation < 1 {
		t.Fatalf("nvrd did not start the camera added by the CLI within 30 s: %+v", s)
	}
	deadline := time.Now().Add(20 * time.Second)
	for s.State != supervisor.StateStreaming && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		s, _ = p.status(t, "drive")
	}
	if s.State != supervisor.StateStreaming {
		t.Fatalf("camera with a password containing ':' and '@' does not stream: %+v", s)
	}
	workerPID := s.WorkerPID

	// Passwords never show in the camera list, the process list, or the log.
	out, _, _ = p.cli(t, "camera", "list")
	if strings.Contains(out, "pa:ss@word") || !strings.Contains(out, "Drive") {
		t.Fatalf("camera list: %q", out)
	}
	if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", workerPID)); bytes.Contains(cmdline, []byte("pa:ss")) {
		t.Fatal("the worker's command line shows the camera password")
	}

	// Bad CLI input: one sentence on stderr, non-zero exit.
	_, errOut, err = p.cli(t, "camera", "add", "--name", "X", "--url", "http://cam/stream")
	if err == nil || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "must start with rtsp://") {
		t.Fatalf("bad URL: err=%v stderr=%q", err, errOut)
	}
	_, errOut, err = p.cli(t, "camera", "rm", "Nope")
	if err == nil || !strings.Contains(errOut, `no camera named "Nope"`) {
		t.Fatalf("rm unknown: err=%v stderr=%q", err, errOut)
	}

	// SIGTERM: clean exit, worker reaped, run directory empty.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- p.cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("nvrd exited with %v after SIGTERM:\n%s", err, p.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nvrd did not exit within 10 s of SIGTERM")
	}
	if err := syscall.Kill(workerPID, 0); err == nil {
		t.Fatalf("worker %d still exists after nvrd stopped", workerPID)
	}
	left, _ := filepath.Glob(filepath.Join(p.ram, "*", "run", "*")) // the instance's own subdirectory
	if len(left) > 0 {
		t.Fatalf("sockets or FIFOs left after shutdown: %v", left)
	}
	if strings.Contains(p.stderr.String(), "pa:ss@word") {
		t.Fatal("the log shows the camera password")
	}
}

func TestWorkerDiesWithNvrd(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	cam := startCamera(t, testcam.Options{})
	p := startNVRD(t)
	if _, errOut, err := p.cli(t, "camera", "add", "--name", "Side", "--url", cam.URL()); err != nil {
		t.Fatal(errOut)
	}
	var s supervisor.Status
	deadline := time.Now().Add(20 * time.Second)
	for s.State != supervisor.StateStreaming && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		s, _ = p.status(t, "side")
	}
	if s.WorkerPID == 0 {
		t.Fatalf("camera not streaming: %+v", s)
	}
	// kill -9 nvrd: the worker must not outlive it (Pdeathsig, and EOF on its socket).
	p.cmd.Process.Kill()
	p.cmd.Wait()
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(s.WorkerPID, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("worker %d outlived nvrd by 20 s", s.WorkerPID)
}

// TestFirstRunSetupLink: with no user, nvrd prints a one-time link; until it is used every route but
// health, login and setup is closed; the link works once.
func TestFirstRunSetupLink(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	p := launchNVRD(t, false)
	var link string
	deadline := time.Now().Add(20 * time.Second)
	re := regexp.MustCompile(`http://\S+/login\.html\?setup#token=(\S+)`)
	for link == "" && time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.stderr.String()); m != nil {
			link = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if link == "" {
		t.Fatalf("nvrd printed no setup link:\n%s", p.stderr)
	}
	if _, code := p.status(t, "any"); code != http.StatusServiceUnavailable {
		t.Fatalf("before setup, a camera route answered %d, want 503", code)
	}
	post := func(body string) int {
		resp, err := http.Post(p.url+"/api/setup", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(`{"token":"guess","user":"alice","password":"a long password"}`); code != http.StatusForbidden {
		t.Fatalf("setup with a guessed token: %d", code)
	}
	if code := post(`{"token":"` + link + `","user":"alice","password":"a long password"}`); code != http.StatusCreated {
		t.Fatalf("setup with the printed token: %d", code)
	}
	if code := post(`{"token":"` + link + `","user":"mallory","password":"a long password"}`); code != http.StatusForbidden {
		t.Fatalf("the setup token worked twice: %d", code)
	}
	if _, code := p.status(t, "any"); code != http.StatusUnauthorized {
		t.Fatalf("after setup, an unauthenticated camera route answered %d, want 401", code)
	}
	resp, err := http.Post(p.url+"/api/login", "application/json", strings.NewReader(`{"user":"alice","password":"a long password"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login as the new admin: %v %v", err, resp)
	}
	resp.Body.Close()
	if strings.Contains(p.stderr.String(), "a long password") {
		t.Fatal("the log shows a password")
	}
}

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDetectionUnavailableWithoutLibrary: without ONNX Runtime nvrd runs, cameras stream and record, and
// the camera status says in plain words that detection is unavailable and why.
func TestDetectionUnavailableWithoutLibrary(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	model := filepath.Join(repoRoot, "models", "yolox_nano.onnx")
	if !fileExists(model) {
		testskip.Skip(t, "the model models/yolox_nano.onnx is not provisioned", "run make setup")
	}
	cam := startCamera(t, testcam.Options{})
	p := &nvrdProc{}
	dir := t.TempDir()
	p.data, p.ram, p.stderr = filepath.Join(dir, "data"), filepath.Join(dir, "ram"), &lockedBuffer{}
	addr := freeAddr(t)
	p.url = "http://" + addr
	p.provisionAdmin(t)
	p.cmd = execNVRD(p, addr, "--model", model)
	p.cmd.Env = append(p.cmd.Env, "NVR_ONNXRUNTIME_LIB="+filepath.Join(dir, "no", "libonnxruntime.so"))
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Signal(syscall.SIGTERM); p.cmd.Wait() })
	if _, errOut, err := p.cli(t, "camera", "add", "--name", "Lane", "--url", cam.URL()); err != nil {
		t.Fatal(errOut)
	}
	var st struct {
		supervisor.Status
		Analysis struct {
			DetectAvailable bool   `json:"detect_available"`
			DetectError     string `json:"detect_error"`
			Keyframes       int64  `json:"keyframes"`
		} `json:"analysis"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := p.get(t, "/api/cameras/lane/status")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if st.State == supervisor.StateStreaming && st.Analysis.Keyframes > 2 {
				break
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	if st.State != supervisor.StateStreaming || st.Analysis.Keyframes <= 2 {
		t.Fatalf("without ONNX Runtime the camera does not stream or is not analysed: %+v", st)
	}
	if st.Analysis.DetectAvailable || !strings.Contains(st.Analysis.DetectError, "unavailable") || !strings.Contains(st.Analysis.DetectError, "libonnxruntime") {
		t.Fatalf("status does not say that detection is unavailable and why: %+v", st.Analysis)
	}
	t.Logf("status says: %s", st.Analysis.DetectError)

	// The web page says so too, in the camera's status line.
	needBrowser(t)
	r := runLiveCheck(t, p.url+"/?camera=lane", "browser-no-detector.png")
	if r.Fatal != "" {
		t.Fatalf("the page did not play without ONNX Runtime: %s", r.Fatal)
	}
	if !strings.Contains(r.Second.Status, "object detection is unavailable") || !strings.Contains(r.Second.Status, "libonnxruntime") {
		t.Fatalf("the page's status line %q does not say that object detection is unavailable and why", r.Second.Status)
	}
}

// TestDemoCamera: `nvrd start --demo` adds the demo camera once, it streams 640×360, and its moving
// object makes a motion event that ends, with a finished recording of it; a restart adds no second camera.
func TestDemoCamera(t *testing.T) {
	p := launchNVRD(t, true, "--demo")
	deadline := time.Now().Add(45 * time.Second)
	var ev []eventOut
	for {
		ev = nil
		p.getJSON(t, "/api/events?camera=demo&kind=motion", &ev)
		if len(ev) > 0 && ev[0].End != "" && ev[0].Recording != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo camera made no finished motion event within 45 s: %+v\n%s", ev, p.stderr)
		}
		time.Sleep(500 * time.Millisecond)
	}
	st, _ := p.status(t, "demo")
	if st.State != supervisor.StateStreaming || st.Width != 640 || st.Height != 360 {
		t.Fatalf("demo camera status %+v, want streaming 640×360", st)
	}
	// The recording closes post_roll_s after the event ends.
	var rec recordingOut
	for deadline = time.Now().Add(20 * time.Second); rec.ID == "" || rec.Open; time.Sleep(500 * time.Millisecond) {
		var recs []recordingOut
		p.getJSON(t, "/api/recordings?camera=demo", &recs)
		for _, r := range recs {
			if r.ID == *ev[0].Recording {
				rec = r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("recording %s of the demo's motion event is not finished: %+v", *ev[0].Recording, rec)
		}
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("nvrd did not stop cleanly: %v", err)
	}
	p2 := &nvrdProc{data: p.data, ram: p.ram, stderr: &lockedBuffer{}}
	out, errOut, err := p2.cli(t, "camera", "list")
	if err != nil {
		t.Fatal(errOut)
	}
	addr := freeAddr(t)
	p2.url = "http://" + addr
	p2.cmd = execNVRD(p2, addr, "--demo")
	if err := p2.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline = time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(p2.url + "/api/health"); err == nil {
			resp.Body.Close()
			break // the demo camera is added before nvrd serves
		}
	}
	_ = p2.cmd.Process.Signal(syscall.SIGTERM)
	_ = p2.cmd.Wait()
	out2, _, _ := p2.cli(t, "camera", "list")
	if strings.Count(out2, "demo://") != 1 || out2 != out {
		t.Fatalf("after a second --demo start the cameras are\n%s\nnot\n%s", out2, out)
	}
}
