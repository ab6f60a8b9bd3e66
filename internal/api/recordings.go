package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/segments"
)

// maxUnixSeconds is the first Unix time whose nanoseconds do not fit an int64 (2262-04-11), rounded down.
const maxUnixSeconds = 9.2e9

// maxTime is the latest time parseTime accepts.
var maxTime = time.Unix(int64(maxUnixSeconds), 0)

// parseTime accepts RFC 3339 or Unix seconds.
func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		if t.Before(time.Unix(0, 0)) || t.After(maxTime) {
			return time.Time{}, fmt.Errorf("%s=%q is outside the years 1970 to 2262 that nvr can store", name, v)
		}
		return t, nil
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 0 {
		// Nanoseconds since 1970 fit an int64 until April 2262 (9.22e9 s): later times would overflow.
		if n >= maxUnixSeconds {
			return time.Time{}, fmt.Errorf("%s=%q is after the year 2262; Unix seconds must be below %.0f", name, v, maxUnixSeconds)
		}
		return time.Unix(0, int64(n*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("%s=%q is not a time: use RFC 3339 (2026-11-25T10:00:00Z) or Unix seconds", name, v)
}

// span reads since/until; required makes both mandatory.
func span(r *http.Request, required bool, maxSpan time.Duration) (since, until time.Time, err error) {
	q := r.URL.Query()
	if since, err = parseTime("since", q.Get("since")); err != nil {
		return
	}
	if until, err = parseTime("until", q.Get("until")); err != nil {
		return
	}
	if required && (since.IsZero() || until.IsZero()) {
		return since, until, errors.New("give both since and until")
	}
	if !since.IsZero() && !until.IsZero() {
		if !until.After(since) {
			return since, until, errors.New("until must be after since")
		}
		if maxSpan > 0 && until.Sub(since) > maxSpan {
			return since, until, fmt.Errorf("the span is longer than %s; ask for less", maxSpan)
		}
	}
	return since, until, nil
}

// visibleCameras returns the camera ids whose recordings p may see (nil = all, for admins).
func (s *Server) visibleCameras(p *auth.Principal, need auth.Need) []string {
	if p.Admin() {
		return nil
	}
	ids := []string{}
	for id := range p.User.Cameras {
		if p.Can(id, need) {
			ids = append(ids, id)
		}
	}
	return ids
}

func (s *Server) listRecordings(w http.ResponseWriter, r *http.Request) {
	since, until, err := span(r, false, 0)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := store.RecordingFilter{CameraIDs: s.visibleCameras(principal(r), auth.NeedRecordings), Since: since, Until: until}
	if c := r.URL.Query().Get("camera"); c != "" {
		if !principal(r).Can(c, auth.NeedRecordings) {
			writeError(w, http.StatusForbidden, "you may not see this camera's recordings")
			return
		}
		f.CameraIDs = []string{c}
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be a number from 1 to 1000")
			return
		}
		f.Limit = n
	}
	recs, err := s.opt.Store.ListRecordings(r.Context(), f)
	if err != nil {
		storeError(w, err)
		return
	}
	out := make([]recordingJSON, 0, len(recs))
	for _, rec := range recs {
		out = append(out, toRecordingJSON(rec))
	}
	writeJSON(w, http.StatusOK, out)
}

// recording loads the {rec} of the path (the guard has checked the permission).
func (s *Server) recording(w http.ResponseWriter, r *http.Request) (*store.Recording, bool) {
	id, err := strconv.ParseInt(r.PathValue("rec"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, "recording ids are positive numbers")
		return nil, false
	}
	rec, err := s.opt.Store.GetRecording(r.Context(), id)
	if err != nil {
		storeError(w, err)
		return nil, false
	}
	return rec, true
}

func (s *Server) recordingPlaylist(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.recording(w, r)
	if !ok {
		return
	}
	s.auditPlay(r, rec)
	if len(rec.Segments) > 0 {
		s.setVideoCodec(w, rec, store.SegmentFile(rec.Segments[0].Index))
	}
	writePlaylist(w, s.opt.Recorder.RecordingPlaylist(rec), rec.Open)
}

func writePlaylist(w http.ResponseWriter, items []segments.PlaylistItem, open bool) {
	if len(items) == 0 {
		writeError(w, http.StatusNotFound, "no recorded segments in this span")
		return
	}
	// Rendered whole first: an index entry the playlist cannot hold (a segment of no duration) is a
	// clear error, not a 200 with an empty body.
	var b bytes.Buffer
	if err := segments.WritePlaylist(&b, items); err != nil {
		writeError(w, http.StatusInternalServerError, "the index cannot be written as a playlist: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b.Bytes()) // an error here is the client gone away
	_ = open
}

func (s *Server) recordingSegment(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.recording(w, r)
	if !ok {
		return
	}
	name := r.PathValue("file")
	num, ok := strings.CutSuffix(name, ".ts")
	idx, err := strconv.Atoi(num)
	if !ok || err != nil || idx < 0 || store.SegmentFile(idx) != name {
		writeError(w, http.StatusNotFound, "segment names look like 000012.ts")
		return
	}
	found := false
	for _, sg := range rec.Segments {
		if sg.Index == idx {
			found = true
			break
		}
	}
	if !found {
		writeError(w, http.StatusNotFound, fmt.Sprintf("recording %d has no segment %s", rec.ID, name))
		return
	}
	// The path comes from the index only; the request contributes a number.
	f, err := os.Open(filepath.Join(s.opt.Recorder.Root(), rec.Dir, store.SegmentFile(idx)))
	if err != nil {
		writeError(w, http.StatusGone, "this segment's file is gone (deleted by retention?)")
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot read the segment file")
		return
	}
	s.auditPlay(r, rec)
	w.Header().Set("Content-Type", "video/mp2t")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	http.ServeContent(jsonRangeErrors(w), r, "", fi.ModTime(), f)
}

// cameraPlaylist is one camera's footage over a span, across recordings, for a timeline.
func (s *Server) cameraPlaylist(w http.ResponseWriter, r *http.Request) {
	c, ok := s.camera(w, r)
	if !ok {
		return
	}
	since, until, err := span(r, false, 7*24*time.Hour)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if until.IsZero() {
		until = time.Now().Add(time.Minute)
	}
	if since.IsZero() {
		since = until.Add(-time.Hour)
	}
	firstRec, firstFile := int64(0), ""
	items, err := s.opt.Recorder.CameraPlaylist(r.Context(), c.ID, since, until, func(rec int64, file string) string {
		if firstFile == "" {
			firstRec, firstFile = rec, file
		}
		return fmt.Sprintf("/api/recordings/%d/segments/%s", rec, file)
	})
	if err != nil {
		storeError(w, err)
		return
	}
	if firstFile != "" {
		if rec, err := s.opt.Store.GetRecording(r.Context(), firstRec); err == nil {
			s.setVideoCodec(w, rec, firstFile)
		}
	}
	writePlaylist(w, items, false)
}

func (s *Server) recordNow(w http.ResponseWriter, r *http.Request) {
	c, ok := s.camera(w, r)
	if !ok {
		return
	}
	var in struct {
		Seconds int `json:"seconds"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Seconds == 0 {
		in.Seconds = 30
	}
	if in.Seconds < 1 || in.Seconds > 3600 {
		writeError(w, http.StatusBadRequest, "seconds must be from 1 to 3600")
		return
	}
	if c.Record.Mode == store.RecordOff {
		writeError(w, http.StatusConflict, "recording is off for this camera; set record.mode to events or continuous first")
		return
	}
	now := time.Now()
	until := now.Add(time.Duration(in.Seconds) * time.Second)
	if s.opt.Manual != nil {
		if err := s.opt.Manual(r.Context(), c.ID, in.Seconds); err != nil {
			writeError(w, http.StatusServiceUnavailable, "camera "+c.ID+": "+err.Error())
			return
		}
	} else {
		s.opt.Recorder.Trigger(c.ID, now, until, "manual")
	}
	s.audit(r, principal(r), store.AuditRecordStart, c.ID, strconv.Itoa(in.Seconds)+" s")
	writeJSON(w, http.StatusAccepted, map[string]any{"camera": c.ID, "mode": c.Record.Mode,
		"since": formatTime(now.Add(-time.Duration(c.Record.PreRollS) * time.Second)),
		"until": formatTime(until)})
}
