package e2e

import (
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
)

// TestWallSurvivesWorkerKillAndRestart: during a wall session (a browser with only the wall link), a
// worker is killed with SIGKILL, and then nvrd is stopped and a new nvrd started on the same data
// directory and port. Each time the tiles come back playing by themselves (currentTime advancing), the
// tiles say "reconnecting" while nvrd is away, and the page never shows an error, alert or dialog.
func TestWallSurvivesWorkerKillAndRestart(t *testing.T) {
	need(t)
	needBrowser(t)
	n, wall, other := startWall(t, "")
	cams := strings.Split(mustQuery(t, wall).Get("cams"), ",")
	shots := filepath.Join(webappDir(t), "wall")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	_, in, sc := startScript(t, "wall-check.mjs", "restart", n.srv.URL, shots, "NVR_WALL="+wall, "NVR_OTHER="+other)
	r := &camuiRun{t: t, in: in, sc: sc}
	say := func(cmd string) { _, _ = io.WriteString(in, cmd+"\n") }
	r.until("playing")

	// back waits for every tile to play again and checks that nothing alarming was shown meanwhile.
	back := func(what string) []any {
		say("back")
		m := r.until("back")
		if m["back"] == nil {
			t.Fatalf("after %s the wall's tiles did not all play again within 2 minutes (badges seen: %v)", what, m["seen"])
		}
		seen, _ := m["seen"].([]any)
		for _, s := range seen {
			if s == "error" {
				t.Errorf("after %s a tile said error (badges seen: %v)", what, seen)
			}
		}
		if a, _ := m["alerts"].(float64); a > 0 {
			t.Errorf("after %s the wall showed %v alert or error elements", what, a)
		}
		if d, _ := m["dialogs"].(float64); d > 0 {
			t.Errorf("after %s the wall opened %v dialogs", what, d)
		}
		t.Logf("back after %s; badges seen meanwhile: %v", what, seen)
		return seen
	}

	// 1. kill -9 the worker of the third tile (the moving ball).
	pid := n.status(cams[2]).WorkerPID
	if pid <= 0 {
		t.Fatalf("camera %s has no worker pid", cams[2])
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed worker %d of %s", pid, cams[2])
	n.waitStatus(cams[2], 60*time.Second, "a new worker streaming", func(s supervisor.Status) bool {
		return s.WorkerPID != pid && s.WorkerPID > 0 && streaming(s)
	})
	back("the worker was killed")

	// 2. stop nvrd (its connections cut, as a process ending cuts them) and look at the wall meanwhile.
	addr, data := n.srv.Listener.Addr().String(), n.dataDir
	n.srv.CloseClientConnections()
	n.stop()
	time.Sleep(4 * time.Second) // the tiles notice: the stream and the live sockets are gone
	say("shot")
	m := r.until("shot")
	seen, _ := m["seen"].([]any)
	if !slices.Contains(seen, any("reconnecting")) {
		t.Errorf("while nvrd was away the tiles did not say reconnecting (badges seen: %v)", seen)
	}
	// 3. a new nvrd on the same data directory and port.
	startNVRWith(t, nvrOptions{dataDir: data, addr: addr})
	back("nvrd was restarted")
	say("done")
	webappDone(t, sc)
}

func mustQuery(t *testing.T, wall string) url.Values {
	t.Helper()
	_, q, _ := strings.Cut(wall, "?")
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
