package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// nvrd is the real nvrd process; start may be called again after a kill (same dirs, same address).
type nvrd struct {
	bin, data, ram, addr, url, logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

func (n *nvrd) start() error {
	f, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(n.bin, "nvrd"), "start", "--data-dir", n.data, "--ram-dir", n.ram, "--listen", n.addr)
	cmd.Env = append(os.Environ(), "NVR_WORKER="+filepath.Join(n.bin, "nvr-worker"))
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start nvrd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); f.Close(); close(done) }()
	n.mu.Lock()
	n.cmd, n.done, n.log = cmd, done, f
	n.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(n.url + "/api/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-done:
			return fmt.Errorf("nvrd exited at start: %s", n.tail())
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("nvrd did not answer /api/health within 30 s: %s", n.tail())
}

func (n *nvrd) pid() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.cmd.Process == nil {
		return 0
	}
	return n.cmd.Process.Pid
}

func (n *nvrd) exited() bool {
	n.mu.Lock()
	done := n.done
	n.mu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the exit.
func (n *nvrd) kill() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// stop asks nvrd to stop (SIGTERM), waits up to d, then kills it. It reports whether it stopped cleanly.
func (n *nvrd) stop(d time.Duration) (clean bool, err error) {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil || n.exited() {
		return false, fmt.Errorf("nvrd was not running")
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		if cmd.ProcessState != nil && cmd.ProcessState.Success() {
			return true, nil
		}
		return false, fmt.Errorf("nvrd exited with %v after SIGTERM", cmd.ProcessState)
	case <-time.After(d):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return false, fmt.Errorf("nvrd did not exit within %s of SIGTERM", d)
	}
}

// tail is the end of nvrd's log, for error messages.
func (n *nvrd) tail() string {
	b, _ := os.ReadFile(n.logPath)
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return strings.TrimSpace(string(b))
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func numCPU() int { return runtime.NumCPU() }

var client = &http.Client{Timeout: 20 * time.Second}

// get fetches path with the admin token and returns status and body.
func (s *soak) get(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", s.nvrd.url+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (s *soak) getJSON(ctx context.Context, path string, out any) error {
	code, b, err := s.get(ctx, path)
	if err != nil {
		return err
	}
	if code != 200 {
		return fmt.Errorf("GET %s: HTTP %d: %s", path, code, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, out)
}

type camStatus struct {
	State      string `json:"state"`
	Error      string `json:"error"`
	Generation uint64 `json:"generation"`
	WorkerPID  int    `json:"worker_pid"`
	Keyframes  uint64 `json:"keyframes"`
}

func (s *soak) status(ctx context.Context, id string) (camStatus, error) {
	var st camStatus
	err := s.getJSON(ctx, "/api/cameras/"+id+"/status", &st)
	return st, err
}

// waitStreaming waits until every camera's status is streaming.
func (s *soak) waitStreaming(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		var bad []string
		for _, id := range s.camIDs {
			st, err := s.status(ctx, id)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", id, err))
			} else if st.State != "streaming" {
				bad = append(bad, fmt.Sprintf("%s: %s %s", id, st.State, st.Error))
			}
		}
		if len(bad) == 0 {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("cameras not streaming after %s: %s", d, strings.Join(bad, "; "))
		}
		time.Sleep(500 * time.Millisecond)
	}
}
