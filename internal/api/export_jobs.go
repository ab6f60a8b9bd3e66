package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/segments"
)

// Export jobs make an MP4 in the background so the page can show real progress (segments and bytes
// done, pushed as Server-Sent Events) and cancel it: POST /api/cameras/{id}/exports starts one, GET
// /api/exports/{job} follows it, GET /api/exports/{job}/file downloads the result, DELETE cancels or
// removes it. A job belongs to the user who started it; nobody else sees it.
const (
	maxExportJobsPerUser = 3
	// exportJobKeep is how long a finished job's file waits to be downloaded.
	exportJobKeep = time.Hour
)

// exportJob is one background export. Its fields after the first block are guarded by mu; changed
// is closed (and replaced) at every change, for the followers.
type exportJob struct {
	id, camera, name string
	userID           int64
	since, until     time.Time
	path             string // the MP4 being written, in the temp directory
	cancel           context.CancelFunc

	mu          sync.Mutex
	state       string // running | done | failed | canceled
	err         string
	done, total int   // segments
	bytes       int64 // MP4 bytes written
	footageS    float64
	changed     chan struct{}
	expire      *time.Timer
}

type exportJobJSON struct {
	ID            string  `json:"id"`
	Camera        string  `json:"camera"`
	Name          string  `json:"name"`
	Since         string  `json:"since"`
	Until         string  `json:"until"`
	State         string  `json:"state"`
	Error         string  `json:"error,omitempty"`
	SegmentsDone  int     `json:"segments_done"`
	SegmentsTotal int     `json:"segments_total"`
	BytesDone     int64   `json:"bytes_done"`
	FootageS      float64 `json:"footage_s"`
	File          string  `json:"file,omitempty"` // the download, once done
	Signature     string  `json:"signature"`      // the signed manifest of the same span
}

func (j *exportJob) snapshot() exportJobJSON {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := exportJobJSON{ID: j.id, Camera: j.camera, Name: j.name, Since: formatTime(j.since), Until: formatTime(j.until),
		State: j.state, Error: j.err, SegmentsDone: j.done, SegmentsTotal: j.total, BytesDone: j.bytes, FootageS: j.footageS,
		Signature: "api/cameras/" + j.camera + "/export.mp4.sig?since=" + formatTime(j.since) + "&until=" + formatTime(j.until)}
	if j.state == "done" {
		out.File = "api/exports/" + j.id + "/file"
	}
	return out
}

// update changes the job under its lock and wakes its followers.
func (j *exportJob) update(f func()) {
	j.mu.Lock()
	f()
	close(j.changed)
	j.changed = make(chan struct{})
	j.mu.Unlock()
}

// exportJobs are the server's export jobs.
type exportJobs struct {
	mu      sync.Mutex
	jobs    map[string]*exportJob
	running sync.WaitGroup // runExport goroutines
}

// countingWriter counts what it writes and stops once ctx is done (a cancelled export).
type countingWriter struct {
	ctx context.Context
	f   *os.File
	j   *exportJob
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.f.Write(p)
	c.j.mu.Lock()
	c.j.bytes += int64(n)
	c.j.mu.Unlock()
	return n, err
}

func (s *Server) jobList() *exportJobs {
	s.exports.mu.Lock()
	if s.exports.jobs == nil {
		s.exports.jobs = map[string]*exportJob{}
	}
	s.exports.mu.Unlock()
	return &s.exports
}

// startExport starts an export job for ?since=&until= of the camera.
func (s *Server) startExport(w http.ResponseWriter, r *http.Request) {
	c, since, until, sp, ok := s.exportSpan(w, r)
	if !ok {
		return
	}
	p := principal(r)
	uid := int64(0)
	if p.User != nil {
		uid = p.User.ID
	}
	jl := s.jobList()
	jl.mu.Lock()
	running := 0
	for _, j := range jl.jobs {
		j.mu.Lock()
		if j.userID == uid && j.state == "running" {
			running++
		}
		j.mu.Unlock()
	}
	jl.mu.Unlock()
	if running >= maxExportJobsPerUser {
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("you already have %d exports running; wait for one or cancel it", running))
		return
	}
	f, err := os.CreateTemp("", "nvr-export-*.mp4")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot make the export's file: "+err.Error())
		return
	}
	idb := make([]byte, 12)
	_, _ = rand.Read(idb)
	ctx, cancel := context.WithCancel(context.Background())
	j := &exportJob{id: hex.EncodeToString(idb), camera: c.ID, name: exportName(c.ID, sp), userID: uid, since: since, until: until,
		path: f.Name(), cancel: cancel, state: "running", total: len(sp.Paths), footageS: sp.Footage.Seconds(), changed: make(chan struct{})}
	jl.mu.Lock()
	jl.jobs[j.id] = j
	jl.mu.Unlock()
	s.audit(r, p, store.AuditExport, c.ID, since.UTC().Format(time.RFC3339)+" to "+until.UTC().Format(time.RFC3339))
	jl.running.Add(1)
	go func() {
		defer jl.running.Done()
		s.runExport(ctx, j, f, sp.Paths)
	}()
	writeJSON(w, http.StatusAccepted, j.snapshot())
}

// runExport writes the job's MP4; it ends when the export does or is cancelled.
func (s *Server) runExport(ctx context.Context, j *exportJob, f *os.File, paths []string) {
	cw := &countingWriter{ctx: ctx, f: f, j: j}
	err := segments.ExportMP4(cw, paths, func(done, total int) {
		j.update(func() { j.done, j.total = done, total })
		if d := s.opt.ExportPace; d > 0 && done < total {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	j.update(func() {
		switch {
		case ctx.Err() != nil:
			j.state, j.err = "canceled", "the export was cancelled"
		case err != nil:
			j.state, j.err = "failed", "the export failed: "+err.Error()
		default:
			j.state = "done"
		}
		if j.state != "done" {
			_ = os.Remove(j.path)
		}
		// A file nobody fetches is removed after a while, and so is the job.
		j.expire = time.AfterFunc(exportJobKeep, func() { s.dropExport(j) })
	})
	if err != nil && ctx.Err() == nil {
		s.log.Warn("export failed", "camera", j.camera, "err", err)
	}
}

// dropExport forgets a job and removes its file.
func (s *Server) dropExport(j *exportJob) {
	jl := s.jobList()
	jl.mu.Lock()
	delete(jl.jobs, j.id)
	jl.mu.Unlock()
	j.cancel()
	j.mu.Lock()
	if j.expire != nil {
		j.expire.Stop()
	}
	running := j.state == "running"
	j.mu.Unlock()
	if !running { // a running job removes its own file when it stops
		_ = os.Remove(j.path)
	}
}

// Close cancels the running exports, waits for them and removes every job's file: call it once the HTTP
// server has stopped, so nothing is left in the temp directory after nvrd ends.
func (s *Server) Close() {
	jl := s.jobList()
	jl.mu.Lock()
	jobs := make([]*exportJob, 0, len(jl.jobs))
	for _, j := range jl.jobs {
		jobs = append(jobs, j)
	}
	jl.mu.Unlock()
	for _, j := range jobs {
		j.cancel()
	}
	jl.running.Wait()
	for _, j := range jobs {
		s.dropExport(j)
	}
}

// exportJob finds the {job} of the request, if it is the caller's.
func (s *Server) exportJob(w http.ResponseWriter, r *http.Request) (*exportJob, bool) {
	jl := s.jobList()
	jl.mu.Lock()
	j := jl.jobs[r.PathValue("job")]
	jl.mu.Unlock()
	p := principal(r)
	if j == nil || p.User == nil || j.userID != p.User.ID || !p.Can(j.camera, auth.NeedRecordings) {
		writeError(w, http.StatusNotFound, "there is no export "+r.PathValue("job")+" of yours (finished ones are kept an hour)")
		return nil, false
	}
	return j, true
}

// getExport answers a job's progress; with Accept: text/event-stream it pushes a `progress` event at
// every change (at most 10 a second) until the job ends.
func (s *Server) getExport(w http.ResponseWriter, r *http.Request) {
	j, ok := s.exportJob(w, r)
	if !ok {
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		writeJSON(w, http.StatusOK, j.snapshot())
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	d := s.writeTimeout
	if d <= 0 {
		d = DefaultWriteTimeout
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	for {
		j.mu.Lock()
		ch := j.changed
		j.mu.Unlock()
		snap := j.snapshot()
		b, _ := json.Marshal(snap)
		_ = rc.SetWriteDeadline(time.Now().Add(d))
		if _, err := fmt.Fprintf(w, "event: progress\ndata: %s\n\n", b); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		if snap.State != "running" {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-ch:
		}
		// At most ten events a second: a fast export changes far more often.
		select {
		case <-r.Context().Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// exportFile downloads a finished job's MP4, named <camera>_<YYYYMMDD-HHMMSS>.mp4.
func (s *Server) exportFile(w http.ResponseWriter, r *http.Request) {
	j, ok := s.exportJob(w, r)
	if !ok {
		return
	}
	snap := j.snapshot()
	if snap.State != "done" {
		writeError(w, http.StatusConflict, "export "+j.id+" is "+snap.State+", not done: there is no file to download")
		return
	}
	f, err := os.Open(j.path)
	if err != nil {
		writeError(w, http.StatusGone, "the export's file is gone")
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot read the export's file")
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Content-Disposition", `attachment; filename="`+j.name+`"`)
	w.Header().Set("X-Content-Duration", fmt.Sprintf("%.3f", snap.FootageS))
	http.ServeContent(jsonRangeErrors(w), r, "", fi.ModTime(), f)
}

// deleteExport cancels a running job (it stays, "canceled" and without a file, until it expires, so
// its owner can ask what became of it), or removes a stopped one and its file.
func (s *Server) deleteExport(w http.ResponseWriter, r *http.Request) {
	j, ok := s.exportJob(w, r)
	if !ok {
		return
	}
	j.mu.Lock()
	running := j.state == "running"
	j.mu.Unlock()
	if running {
		j.cancel()
	} else {
		s.dropExport(j)
	}
	w.WriteHeader(http.StatusNoContent)
}
