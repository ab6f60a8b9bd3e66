package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/mpegts"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// liveReader reads a live WebSocket on its own goroutine (a gorilla connection cannot be read again
// after a deadline error) and hands out what arrived.
type liveReader struct {
	mu   sync.Mutex
	msgs [][]byte
	err  error
}

func newLiveReader(t *testing.T, ws *websocket.Conn) *liveReader {
	r := &liveReader{}
	go func() {
		for {
			typ, b, err := ws.ReadMessage()
			r.mu.Lock()
			if err != nil {
				r.err = err
				r.mu.Unlock()
				return
			}
			if typ != websocket.BinaryMessage {
				r.err = fmt.Errorf("live sent a message of type %d, want binary", typ)
			}
			r.msgs = append(r.msgs, b)
			r.mu.Unlock()
		}
	}()
	return r
}

// take waits d and returns the messages that arrived since the last take.
func (r *liveReader) take(t *testing.T, d time.Duration) [][]byte {
	t.Helper()
	time.Sleep(d)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil && len(r.msgs) == 0 {
		t.Fatalf("live viewer: %v", r.err)
	}
	m := r.msgs
	r.msgs = nil
	return m
}

// readLive reads messages from a live WebSocket for d.
func readLive(t *testing.T, ws *websocket.Conn, d time.Duration) [][]byte {
	t.Helper()
	return newLiveReader(t, ws).take(t, d)
}

// checkTS checks the live stream's framing and start, and returns the concatenated bytes.
func checkTS(t *testing.T, msgs [][]byte) []byte {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatal("no live messages")
	}
	var all []byte
	for i, m := range msgs {
		if len(m) == 0 || len(m)%mpegts.PacketSize != 0 {
			t.Fatalf("message %d is %d bytes, not a whole number of 188-byte packets", i, len(m))
		}
		all = append(all, m...)
	}
	for off := 0; off < len(all); off += mpegts.PacketSize {
		if all[off] != mpegts.SyncByte {
			t.Fatalf("packet at %d has no sync byte", off)
		}
	}
	if mpegts.PID(all) != 0 {
		t.Fatalf("stream starts with PID %d, want the PAT (PID 0)", mpegts.PID(all))
	}
	var psi mpegts.PSI
	psi.Observe(all[:188])
	if psi.PMTPID == 0 || mpegts.PID(all[188:]) != psi.PMTPID {
		t.Fatalf("second packet is PID %d, want the PMT (PID %d)", mpegts.PID(all[188:]), psi.PMTPID)
	}
	psi.Observe(all[188:376])
	for off := 376; off < len(all); off += mpegts.PacketSize {
		p := all[off : off+mpegts.PacketSize]
		if mpegts.PID(p) == psi.VideoPID && mpegts.PUSI(p) {
			if !psi.IsKeyframe(p) {
				t.Fatal("the first video access unit is not a keyframe")
			}
			return all
		}
	}
	t.Fatal("no video in the live stream")
	return nil
}

type probe struct {
	Streams []struct {
		CodecName    string `json:"codec_name"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		NbReadFrames string `json:"nb_read_frames"`
	} `json:"streams"`
}

// ffprobe decodes a TS file and returns its video stream's facts.
func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		testskip.Skip(t, "ffprobe is not installed", "run make setup")
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) == 0 {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	return p
}

func TestLiveStreamTwoViewersAndAStalledOne(t *testing.T) {
	cam := startCamera(t, testcam.Options{})
	n := startNVR(t)
	id := n.addCamera("Front door", cam.URL())
	n.waitStatus(id, 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })

	// A viewer that connects and never reads must not hold the others back.
	stalled := n.dialLive(id)
	_ = stalled

	var wg sync.WaitGroup
	results := make([][][]byte, 2)
	for i := range results {
		lr := newLiveReader(t, n.dialLive(id))
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = lr.takeFrames(t, 150, 60*time.Second) // 6 s at 25 fps, however long it takes here
		}()
	}
	wg.Wait()
	for i, msgs := range results {
		all := checkTS(t, msgs)
		path := filepath.Join(t.TempDir(), "live.ts")
		if err := os.WriteFile(path, all, 0o644); err != nil {
			t.Fatal(err)
		}
		p := ffprobe(t, path)
		s := p.Streams[0]
		if s.CodecName != "h264" || s.Width != 640 || s.Height != 360 {
			t.Fatalf("viewer %d: decoded %+v, want h264 640x360", i, s)
		}
		// Every frame that arrived decodes (the last may be cut off at the end of the take).
		if frames, aus := atoi(s.NbReadFrames), videoAUs(all); aus < 150 || frames < aus-1 {
			t.Fatalf("viewer %d: %d frames arrived, %d decoded", i, aus, frames)
		}
	}
	st := n.status(id)
	if st.Width != 640 || st.Height != 360 || st.Keyframes == 0 || st.BytesIn == 0 || st.BitrateBPS == 0 {
		t.Fatalf("status does not tell the stream's facts: %+v", st)
	}
	if st.Viewers != 3 {
		t.Fatalf("status counts %d viewers, want 3", st.Viewers)
	}
	// The snapshot is the latest keyframe as JPEG.
	resp := n.get("/api/cameras/" + id + "/snapshot.jpg")
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("snapshot: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestCameraOutageRecovers(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	cam := startCamera(t, testcam.Options{})
	n := startNVR(t)
	id := n.addCamera("Garage", cam.URL())
	n.waitStatus(id, 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	lr := newLiveReader(t, n.dialLive(id))
	if len(lr.take(t, 2*time.Second)) == 0 {
		t.Fatal("no live data before the outage")
	}

	cam.Pause()
	n.waitStatus(id, 8*time.Second, "not streaming", func(s supervisor.Status) bool { return s.State != supervisor.StateStreaming })
	time.Sleep(10 * time.Second)
	if s := n.status(id); s.Error == "" {
		t.Fatalf("status during the outage has no error: %+v", s)
	}
	before := n.status(id).BytesIn
	if err := cam.Resume(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	s := n.waitStatus(id, 5*time.Second, "streaming again within 5 s", func(s supervisor.Status) bool {
		return s.State == supervisor.StateStreaming && s.BytesIn > before
	})
	t.Logf("streaming again %s after the camera returned (restarts %d)", time.Since(back).Round(time.Millisecond), s.Restarts)
	// The same live viewer gets video again, restarting at a keyframe with PAT/PMT.
	msgs := lr.take(t, 3*time.Second)
	var all []byte
	for _, m := range msgs {
		all = append(all, m...)
	}
	if i := indexOfPAT(all); i < 0 {
		t.Fatal("viewer got no new PAT after the camera came back")
	} else {
		checkTS(t, [][]byte{all[i:]})
	}
}

// indexOfPAT returns the offset of the last PAT packet followed directly by a PMT and a keyframe start,
// which is how the hub restarts a viewer.
func indexOfPAT(all []byte) int {
	found := -1
	for off := 0; off+3*mpegts.PacketSize <= len(all); off += mpegts.PacketSize {
		if mpegts.PID(all[off:]) == 0 && mpegts.RandomAccess(all[off+2*mpegts.PacketSize:]) {
			found = off
		}
	}
	return found
}

func TestWorkerKilledIsReplaced(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	cam := startCamera(t, testcam.Options{})
	n := startNVR(t)
	id := n.addCamera("Yard", cam.URL())
	s := n.waitStatus(id, 20*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	if s.WorkerPID == 0 || s.Generation != 1 {
		t.Fatalf("status before kill: %+v", s)
	}
	if err := syscall.Kill(s.WorkerPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s2 := n.waitStatus(id, 10*time.Second, "a new worker streaming", func(st supervisor.Status) bool {
		return st.Generation >= 2 && st.State == supervisor.StateStreaming && st.WorkerPID != s.WorkerPID && st.BytesIn > s.BytesIn
	})
	if s2.Restarts < 1 {
		t.Fatalf("status does not count the restart: %+v", s2)
	}
	// The killed worker was reaped: no zombie left with its pid.
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(s.WorkerPID) + "/stat"); err == nil && strings.Contains(string(b), ") Z ") {
		t.Fatalf("killed worker %d is a zombie", s.WorkerPID)
	}
	ws := n.dialLive(id)
	checkTS(t, readLive(t, ws, 3*time.Second))
}
