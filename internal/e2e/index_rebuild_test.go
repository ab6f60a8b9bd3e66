package e2e

import (
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// TestIndexRebuild: with nvr.db deleted under a running nvrd, truncated, or overwritten with garbage,
// the next start moves the damaged file aside, says so, takes settings, users and tokens from the
// newest automatic backup and indexes every recording from disk again: same recordings, same starts,
// every segment served and playable.
func TestIndexRebuild(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	if _, err := exec.LookPath("ffprobe"); err != nil {
		testskip.Skip(t, "ffprobe is not installed", "run make setup")
	}
	cam := startCamera(t, testcam.Options{})
	for _, damage := range []string{"deleted", "truncated", "garbage"} {
		t.Run(damage, func(t *testing.T) {
			p := startNVRD(t)
			if _, errOut, err := p.cli(t, "camera", "add", "--name", "Gate", "--url", cam.URL(), "--record", "continuous"); err != nil {
				t.Fatal(errOut)
			}
			add := exec.Command(nvrdBin, "user", "add", "watcher", "--role", "viewer", "--data-dir", p.data)
			add.Stdin = strings.NewReader("another long password\n")
			if out, err := add.CombinedOutput(); err != nil {
				t.Fatalf("user add: %v %s", err, out)
			}
			waitSegments(t, p, 4)
			waitBackup(t, p.data)
			db := filepath.Join(p.data, store.FileName)
			switch damage {
			case "deleted": // under the running nvrd, which then stops
				for _, s := range []string{"", "-wal", "-shm"} {
					os.Remove(db + s)
				}
				stopProc(t, p)
			case "truncated":
				stopProc(t, p)
				fi, err := os.Stat(db)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(db, fi.Size()/3); err != nil {
					t.Fatal(err)
				}
			case "garbage":
				stopProc(t, p)
				junk := make([]byte, 64<<10)
				rand.Read(junk)
				if err := os.WriteFile(db, junk, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := recordingsOnDisk(t, p.data)
			if len(before) == 0 {
				t.Fatal("no recording directory on disk")
			}
			restartProc(t, p)
			defer stopProc(t, p)
			// The token comes from the backup: without it every request below is refused.
			var recs []recordingOut
			deadline := time.Now().Add(20 * time.Second)
			for {
				recs = nil
				code := p.getJSON(t, "/api/recordings?camera=gate", &recs)
				if code == 200 && len(recs) >= len(before) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after restart: HTTP %d, recordings %+v, on disk %v\n%s", code, recs, before, p.stderr)
				}
				time.Sleep(200 * time.Millisecond)
			}
			for id, start := range before {
				var got *recordingOut
				for i := range recs {
					if recs[i].ID == id {
						got = &recs[i]
					}
				}
				if got == nil {
					t.Fatalf("recording %s is not back: %+v", id, recs)
				}
				if got.Kind != "continuous" {
					t.Errorf("recording %s came back as %q, not continuous", id, got.Kind)
				}
				if gs, _ := time.Parse(time.RFC3339Nano, got.Start); gs.Sub(start).Abs() > time.Millisecond {
					t.Errorf("recording %s starts at %s, it started at %s", id, got.Start, start.Format(time.RFC3339Nano))
				}
				playsWhole(t, p, *got)
			}
			log := p.stderr.String()
			if damage != "deleted" {
				if !strings.Contains(log, "moved aside") {
					t.Errorf("the log does not say the damaged database was moved aside:\n%s", log)
				}
				if m, _ := filepath.Glob(db + ".damaged-*"); len(m) == 0 {
					t.Error("no nvr.db.damaged-* file")
				}
			}
			if !strings.Contains(log, "restored from the backup") {
				t.Errorf("the log does not name the backup:\n%s", log)
			}
			out, _, err := p.cli(t, "user", "list")
			if err != nil || !strings.Contains(out, "watcher") || !strings.Contains(out, "root") {
				t.Errorf("users after the rebuild: %v %q", err, out)
			}
			if _, errOut, err := p.cli(t, "restore", store.Backups(p.data)[0]); err == nil || !strings.Contains(errOut, "stop it first") {
				t.Errorf("restore while nvrd runs: %v %q", err, errOut)
			}
			var cams []struct{ ID, Name string }
			if p.getJSON(t, "/api/cameras", &cams); len(cams) != 1 || cams[0].Name != "Gate" {
				t.Errorf("cameras after the rebuild: %+v", cams)
			}
		})
	}
}

// waitSegments waits until camera gate has written n segments.
func waitSegments(t *testing.T, p *nvrdProc, n int64) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		var st struct {
			supervisor.Status
			Recording recorder.Status `json:"recording"`
		}
		p.getJSON(t, "/api/cameras/gate/status", &st)
		if int64(st.Recording.SegmentsWritten) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d recorded segments after 40 s: %+v", n, st)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// waitBackup waits until the automatic backup holds the camera and both users.
func waitBackup(t *testing.T, data string) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		if b := store.Backups(data); len(b) > 0 {
			if db, err := sql.Open("sqlite", "file:"+b[0]+"?mode=ro"); err == nil {
				var cams, users int
				db.QueryRow(`SELECT (SELECT count(*) FROM cameras), (SELECT count(*) FROM users)`).Scan(&cams, &users)
				db.Close()
				if cams == 1 && users == 2 {
					return
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("no backup with the camera and both users after 40 s: %v", store.Backups(data))
}

// recordingsOnDisk maps each recording directory's id to its start as its sidecar says.
func recordingsOnDisk(t *testing.T, data string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	dirs, _ := filepath.Glob(filepath.Join(data, "recordings", "gate", "*", "*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, recorder.SidecarFile))
		if err != nil {
			t.Fatalf("recording %s has no sidecar: %v", d, err)
		}
		var sc struct {
			StartNS int64 `json:"start_ns"`
		}
		if err := json.Unmarshal(b, &sc); err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(d)] = time.Unix(0, sc.StartNS)
	}
	return out
}

// playsWhole fetches a recording's playlist and every segment in it and checks with ffprobe that the
// whole lasts what the playlist says.
func playsWhole(t *testing.T, p *nvrdProc, r recordingOut) {
	t.Helper()
	resp, err := p.get(t, r.Playlist)
	if err != nil {
		t.Fatal(err)
	}
	pl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	segs := parsePlaylist(t, string(pl))
	if len(segs) != r.Segments || len(segs) == 0 {
		t.Fatalf("recording %s: playlist has %d segments, the index %d", r.ID, len(segs), r.Segments)
	}
	var all []byte
	var sum float64
	for _, s := range segs {
		resp, err := p.get(t, "/api/recordings/"+r.ID+"/"+s.uri)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("recording %s segment %s: %v %v", r.ID, s.uri, err, resp.Status)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		all = append(all, b...)
		sum += s.duration
	}
	media := filepath.Join(t.TempDir(), "rec-"+r.ID+".ts")
	os.WriteFile(media, all, 0o644)
	if d := mediaDuration(t, media); d < sum-0.3 || d > sum+0.3 {
		t.Fatalf("recording %s lasts %.2f s, its playlist %.2f s", r.ID, d, sum)
	}
}

// stopProc stops nvrd with SIGTERM and waits (once).
func stopProc(t *testing.T, p *nvrdProc) {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		_ = p.cmd.Wait()
	}
}

// restartProc starts nvrd again on the same data directory and waits for it to answer.
func restartProc(t *testing.T, p *nvrdProc) {
	t.Helper()
	addr := freeAddr(t)
	p.url = "http://" + addr
	p.cmd = execNVRD(p, addr)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := p.get(t, "/api/health"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("nvrd did not answer after the restart:\n%s", p.stderr)
}
