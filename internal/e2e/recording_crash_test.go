package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/segments"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// getJSON fetches path from a process nvrd as the admin.
func (p *nvrdProc) getJSON(t *testing.T, path string, out any) int {
	t.Helper()
	resp, err := p.get(t, path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %v %s", path, err, b)
		}
	}
	return resp.StatusCode
}

// TestKill9WhileRecording: nvrd is killed with SIGKILL in the middle of a continuous recording; on
// restart every kept segment is indexed and playable, the recording is closed and no temp file is left.
func TestKill9WhileRecording(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	if _, err := exec.LookPath("ffprobe"); err != nil {
		testskip.Skip(t, "ffprobe is not installed", "run make setup")
	}
	cam := startCamera(t, testcam.Options{})
	p := startNVRD(t)
	if _, errOut, err := p.cli(t, "camera", "add", "--name", "Gate", "--url", cam.URL(), "--record", "continuous"); err != nil {
		t.Fatal(errOut)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct {
			supervisor.Status
			Recording recorder.Status `json:"recording"`
		}
		p.getJSON(t, "/api/cameras/gate/status", &st)
		if st.Recording.SegmentsWritten >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no continuous recording after 30 s: %+v", st)
		}
		time.Sleep(300 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond) // into the middle of a segment
	p.cmd.Process.Kill()
	p.cmd.Wait()

	// Restart on the same data directory.
	addr := freeAddr(t)
	p.url = "http://" + addr
	p.cmd = execNVRD(p, addr)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { p.cmd.Process.Signal(syscall.SIGTERM); p.cmd.Wait() }()
	// nvrd answers HTTP only once the recorder has reconciled the index with the disk, so its very first
	// answer already shows recording 1 closed (retry only while nothing answers yet).
	var recs []recordingOut
	var crashed *recordingOut
	deadline = time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.url + "/api/recordings?camera=gate")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nvrd did not answer within 60 s of its restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp, err := p.get(t, "/api/recordings?camera=gate"); err == nil {
		_ = json.NewDecoder(resp.Body).Decode(&recs)
		resp.Body.Close()
	}
	for i := range recs {
		if recs[i].ID == "1" {
			crashed = &recs[i]
		}
	}
	if crashed == nil || crashed.Open || crashed.Segments < 4 {
		t.Fatalf("after restart the killed recording is %+v (all: %+v)", crashed, recs)
	}
	// Every indexed segment is there and the whole recording decodes.
	resp, _ := p.get(t, crashed.Playlist)
	pl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	segs := parsePlaylist(t, string(pl))
	if len(segs) != crashed.Segments {
		t.Fatalf("playlist has %d segments, the index %d", len(segs), crashed.Segments)
	}
	var all []byte
	for _, s := range segs {
		resp, err := p.get(t, "/api/recordings/1/"+s.uri)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("segment %s: %v %v", s.uri, err, resp.Status)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		all = append(all, b...)
	}
	media := filepath.Join(t.TempDir(), "crashed.ts")
	os.WriteFile(media, all, 0o644)
	var sum float64
	for _, s := range segs {
		sum += s.duration
	}
	if d := mediaDuration(t, media); d < sum-0.3 || d > sum+0.3 {
		t.Fatalf("the recovered recording lasts %.2f s, its playlist %.2f s", d, sum)
	}
	// No temp files, and no segment file the index does not know.
	files := 0
	filepath.Walk(filepath.Join(p.data, "recordings"), func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if segments.IsTemp(fi.Name()) {
				t.Errorf("temp file left: %s", path)
			}
			if strings.HasSuffix(path, ".ts") && strings.Contains(path, string(filepath.Separator)+"1"+string(filepath.Separator)) {
				files++
			}
		}
		return nil
	})
	if files != crashed.Segments {
		t.Fatalf("%d segment files on disk for recording 1, %d indexed", files, crashed.Segments)
	}
}

// TestFullDiskKeepsLiveAndDeletesOldest: recordings on a 2.4 MiB tmpfs (the database, its WAL and its daily
// backup share it, as in a real data dir; 1.2 MiB no longer left room for them). The disk fills; retention deletes the
// oldest recordings, nvrd keeps running, live view keeps working and recording resumes.
func TestFullDiskKeepsLiveAndDeletesOldest(t *testing.T) {
	if os.Geteuid() != 0 {
		testskip.Skip(t, "this test mounts a small tmpfs, which needs root", "run the tests as root (sudo -E go test ...)")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2400k", "tmpfs", mnt).CombinedOutput(); err != nil {
		testskip.Skip(t, fmt.Sprintf("cannot mount a tmpfs here: %v %s", err, out), "run the tests as root on a machine that allows mount")
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() }) // runs after nvrd has stopped
	cam := startCamera(t, testcam.Options{})
	n := startNVRWith(t, nvrOptions{dataDir: filepath.Join(mnt, "data"),
		recorder: recorder.Options{Roll: 4 * time.Second, RetentionEvery: time.Second, MinFreePercent: 2}})
	var c map[string]any
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Tiny", "url": cam.URL(), "record": map[string]any{"mode": "continuous"}}, &c); code != 201 {
		t.Fatalf("create: %d %v", code, c)
	}
	id := c["id"].(string)
	n.waitStatus(id, 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	ws := n.dialLive(id)
	lr := newLiveReader(t, ws)

	type status struct {
		supervisor.Status
		Recording recorder.Status `json:"recording"`
	}
	var sawFull bool
	var written0 int64
	end := time.Now().Add(45 * time.Second)
	for time.Now().Before(end) {
		var s status
		if code := n.do("GET", "/api/cameras/"+id+"/status", nil, &s); code != 200 {
			t.Fatalf("status: %d", code)
		}
		if strings.Contains(s.Recording.Error, "full") && !sawFull {
			sawFull = true
			written0 = s.Recording.SegmentsWritten // at the first report
		}
		if s.State != supervisor.StateStreaming {
			t.Fatalf("the camera stopped streaming while the disk was full: %+v", s)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if got := lr.take(t, 3*time.Second); len(got) == 0 {
		t.Fatal("live view stopped while the disk was full")
	}
	var s status
	n.do("GET", "/api/cameras/"+id+"/status", nil, &s)
	recs := n.recordings(id)
	if len(recs) == 0 {
		t.Fatal("no recordings left")
	}
	oldest := recs[len(recs)-1]
	if oldest.ID == "1" {
		t.Fatalf("nothing was deleted although 45 s of video cannot fit in 2.4 MiB: %+v", recs)
	}
	// Oldest first: every recording retention deleted is older than every one left.
	deleted := regexp.MustCompile(`recording deleted by retention .*?recording=(\d+)`).FindAllStringSubmatch(n.logs.String(), -1)
	for _, m := range deleted {
		if atoi(m[1]) >= atoi(oldest.ID) {
			t.Fatalf("retention deleted recording %s but kept the older %s", m[1], oldest.ID)
		}
	}
	t.Logf("disk-full seen in status: %v; segments written %d (at the first full report %d); recordings left %d, oldest id %s",
		sawFull, s.Recording.SegmentsWritten, written0, len(recs), oldest.ID)
	if sawFull && s.Recording.SegmentsWritten <= written0 {
		t.Fatal("recording did not resume after the disk was full")
	}
	if !strings.Contains(n.logs.String(), "recording deleted by retention") {
		t.Fatal("retention did not log its deletions")
	}
}
