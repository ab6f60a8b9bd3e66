package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// faultNvrdKill kills nvrd with SIGKILL, checks that its workers die with it, and starts it again on
// the same data dir, RAM dir and address.
func (s *soak) faultNvrdKill(ctx context.Context) *faultResult {
	r := &faultResult{AtS: s.elapsed()}
	var workers []int
	for _, id := range s.camIDs {
		if st, err := s.status(ctx, id); err == nil && st.WorkerPID > 0 {
			workers = append(workers, st.WorkerPID)
		}
	}
	s.nvrd.kill()
	deadline := time.Now().Add(20 * time.Second)
	for _, pid := range workers {
		for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if syscall.Kill(pid, 0) == nil {
			r.Detail = fmt.Sprintf("worker %d outlived nvrd's kill -9 by 20 s", pid)
			return r
		}
	}
	t := time.Now()
	if err := s.nvrd.start(); err != nil {
		r.Detail = err.Error()
		return r
	}
	if err := s.waitStreaming(ctx, 90*time.Second); err != nil {
		r.Detail = "after the restart: " + err.Error()
		return r
	}
	r.RecoveryS, r.OK = time.Since(t).Seconds(), true
	r.Detail = fmt.Sprintf("%d workers died with nvrd; the new nvrd is PID %d", len(workers), s.nvrd.pid())
	return r
}

// faultWorkerKill kills one camera's worker with SIGKILL; the supervisor must start another.
func (s *soak) faultWorkerKill(ctx context.Context) *faultResult {
	r := &faultResult{AtS: s.elapsed()}
	id := s.camIDs[1%len(s.camIDs)]
	st, err := s.status(ctx, id)
	if err != nil || st.WorkerPID == 0 {
		r.Detail = fmt.Sprintf("camera %s has no worker to kill: %+v %v", id, st, err)
		return r
	}
	if err := syscall.Kill(st.WorkerPID, syscall.SIGKILL); err != nil {
		r.Detail = err.Error()
		return r
	}
	t := time.Now()
	deadline := t.Add(60 * time.Second)
	for time.Now().Before(deadline) {
		n, err := s.status(ctx, id)
		if err == nil && n.Generation > st.Generation && n.State == "streaming" {
			r.RecoveryS, r.OK = time.Since(t).Seconds(), true
			r.Detail = fmt.Sprintf("camera %s: worker %d killed, worker %d streams", id, st.WorkerPID, n.WorkerPID)
			return r
		}
		time.Sleep(250 * time.Millisecond)
	}
	r.Detail = fmt.Sprintf("camera %s did not stream again within 60 s of its worker's kill -9", id)
	return r
}

// faultCameraDown closes one camera's RTSP server for 10 s, like a camera losing power.
func (s *soak) faultCameraDown(ctx context.Context) *faultResult {
	r := &faultResult{AtS: s.elapsed()}
	i := 2 % len(s.cams)
	s.cams[i].Pause()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
	}
	st, _ := s.status(ctx, s.camIDs[i])
	if err := s.cams[i].Resume(); err != nil {
		r.Detail = err.Error()
		return r
	}
	t := time.Now()
	if err := s.waitStreaming(ctx, 90*time.Second); err != nil {
		r.Detail = err.Error()
		return r
	}
	r.RecoveryS, r.OK = time.Since(t).Seconds(), true
	r.Detail = fmt.Sprintf("camera %s was %q while its server was down", s.camIDs[i], st.State)
	return r
}

// faultDiskFull fills the data volume with a file until ENOSPC, holds it for 10 s while checking that
// nvrd still serves and live video still flows, then removes the file and waits for recording to resume.
func (s *soak) faultDiskFull(ctx context.Context) *faultResult {
	r := &faultResult{AtS: s.elapsed()}
	if !s.mounted {
		r.Skipped, r.Detail = true, "not root: no tmpfs data volume to fill"
		return r
	}
	before, _ := s.recordingCount(ctx)
	filler := filepath.Join(s.data, "soak-filler")
	f, err := os.Create(filler)
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	buf := make([]byte, 1<<20)
	var written int64
	for {
		n, err := f.Write(buf)
		written += int64(n)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				f.Close()
				r.Detail = "fill the volume: " + err.Error()
				return r
			}
			break
		}
	}
	f.Close()
	full := time.Now()
	var probs []string
	for time.Since(full) < 10*time.Second && ctx.Err() == nil {
		time.Sleep(2 * time.Second)
		if code, _, err := s.get(ctx, "/api/health"); err != nil || code != 200 {
			probs = append(probs, fmt.Sprintf("health while full: %d %v", code, err))
		}
	}
	for _, v := range s.viewers {
		if !v.slow && v.idle() > 8*time.Second {
			probs = append(probs, fmt.Sprintf("viewer %s got no live video while the disk was full", v.name))
		}
	}
	if err := os.Remove(filler); err != nil {
		probs = append(probs, err.Error())
	}
	freed := time.Now()
	// Recording resumes: some segment is indexed after the space came back.
	var resumed bool
	for deadline := freed.Add(60 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(time.Second) {
		var recs []struct {
			End string `json:"end"`
		}
		if s.getJSON(ctx, "/api/recordings", &recs) == nil {
			for _, rc := range recs {
				if t, err := time.Parse(time.RFC3339Nano, rc.End); err == nil && t.After(freed.Add(time.Second)) {
					resumed = true
				}
			}
		}
		if resumed {
			break
		}
	}
	if !resumed {
		probs = append(probs, "no recording got a new segment within 60 s of freeing the space")
	}
	if err := s.waitStreaming(ctx, 60*time.Second); err != nil {
		probs = append(probs, err.Error())
	}
	after, _ := s.recordingCount(ctx)
	r.RecoveryS = time.Since(freed).Seconds()
	r.Detail = fmt.Sprintf("filled %d MiB; recordings in the index %d before, %d after (retention frees space when the volume is short)", written>>20, before, after)
	if len(probs) > 0 {
		r.Detail += "; " + fmt.Sprint(probs)
		return r
	}
	r.OK = true
	return r
}

func (s *soak) recordingCount(ctx context.Context) (int, error) {
	var recs []map[string]any
	err := s.getJSON(ctx, "/api/recordings", &recs)
	return len(recs), err
}

// burstReport counts the answers of the API burst.
type burstReport struct {
	Requests   int            `json:"requests"`
	Statuses   map[string]int `json:"statuses"`
	Errors     int            `json:"transport_errors"`
	ElapsedS   float64        `json:"elapsed_s"`
	FirstErr   string         `json:"first_error,omitempty"`
	Unexpected int            `json:"unexpected"`
	// Live churn: WebSockets opened, read until the first video, and closed.
	LiveOpened int `json:"live_opened"`
	LiveFailed int `json:"live_failed"`
}

// faultBurst sends bounded loops of mixed API requests (8 at a time) until they are done or the
// fraction `until` of the duration is reached. 5xx answers and transport errors fail it; 429 does not.
func (s *soak) faultBurst(ctx context.Context, until float64) (*faultResult, *burstReport) {
	r := &faultResult{AtS: s.elapsed()}
	b := &burstReport{Statuses: map[string]int{}}
	var recs []struct {
		ID       string `json:"id"`
		Playlist string `json:"playlist"`
	}
	_ = s.getJSON(ctx, "/api/recordings", &recs)
	paths := []string{"/api/cameras", "/api/recordings", "/api/events?limit=50", "/metrics", "/api/health", "/api/me"}
	for _, id := range s.camIDs {
		paths = append(paths, "/api/cameras/"+id, "/api/cameras/"+id+"/status", "/api/cameras/"+id+"/snapshot.jpg",
			"/api/cameras/"+id+"/recordings.m3u8")
	}
	for i, rc := range recs {
		if i >= 10 {
			break
		}
		paths = append(paths, rc.Playlist)
	}
	stopAt := s.t0.Add(time.Duration(until * float64(s.cfg.duration)))
	bctx, cancel := context.WithDeadline(ctx, stopAt)
	defer cancel()
	start := time.Now()
	const workers, perWorker = 8, 400
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 40 && bctx.Err() == nil; i++ {
				err := liveOnce(bctx, s.nvrd.url, s.token, s.camIDs[(w*40+i)%len(s.camIDs)])
				mu.Lock()
				if err != nil && bctx.Err() == nil {
					b.LiveFailed++
					if b.FirstErr == "" {
						b.FirstErr = "live: " + err.Error()
					}
				} else if err == nil {
					b.LiveOpened++
				}
				mu.Unlock()
			}
		}(w)
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker && bctx.Err() == nil; i++ {
				p := paths[(w*perWorker+i)%len(paths)]
				method, body, auth := "GET", []byte(nil), true
				switch i % 25 {
				case 7:
					auth = false // unauthenticated: 401
				case 13:
					p = "/api/cameras/nope/status" // unknown: 404
				case 19:
					method, p, body = "POST", "/api/cameras/"+s.camIDs[i%len(s.camIDs)]+"/record", []byte(`{"seconds":5}`)
				}
				req, _ := http.NewRequestWithContext(bctx, method, s.nvrd.url+p, bytes.NewReader(body))
				if auth {
					req.Header.Set("Authorization", "Bearer "+s.token)
				}
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := client.Do(req)
				mu.Lock()
				b.Requests++
				if err != nil {
					if bctx.Err() == nil {
						b.Errors++
						if b.FirstErr == "" {
							b.FirstErr = err.Error()
						}
					}
					mu.Unlock()
					continue
				}
				b.Statuses[fmt.Sprint(resp.StatusCode)]++
				if resp.StatusCode >= 500 {
					b.Unexpected++
					if b.FirstErr == "" {
						b.FirstErr = fmt.Sprintf("%s %s: HTTP %d", method, p, resp.StatusCode)
					}
				}
				mu.Unlock()
				_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
				resp.Body.Close()
			}
		}(w)
	}
	wg.Wait()
	client.CloseIdleConnections() // the burst's keep-alive connections are not nvrd's to keep
	b.ElapsedS = round1(time.Since(start).Seconds())
	r.Detail = fmt.Sprintf("%d requests in %.1f s", b.Requests, b.ElapsedS)
	r.Detail += fmt.Sprintf(", %d live sockets opened and closed", b.LiveOpened)
	if b.Errors > 0 || b.Unexpected > 0 || b.LiveFailed > 0 {
		r.Detail += fmt.Sprintf("; %d transport errors, %d 5xx, %d live sockets failed; first: %s", b.Errors, b.Unexpected, b.LiveFailed, b.FirstErr)
		return r, b
	}
	r.OK = true
	return r, b
}
