package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
)

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	since, until, err := span(r, false, 0)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	q := r.URL.Query()
	p := principal(r)
	// Events show what cameras saw: they need the recordings permission.
	f := store.EventFilter{CameraIDs: s.visibleCameras(p, auth.NeedRecordings), Since: since, Until: until,
		Kind: q.Get("kind"), Label: q.Get("label")}
	if c := q.Get("camera"); c != "" {
		if !p.Can(c, auth.NeedRecordings) {
			writeError(w, http.StatusForbidden, "you may not see this camera's events")
			return
		}
		f.CameraIDs = []string{c}
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be a number from 1 to 1000")
			return
		}
		f.Limit = n
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "before must be the id of the last event of the previous page")
			return
		}
		f.Before = n
	}
	if p != nil && p.User != nil {
		f.Viewer = p.User.ID
	}
	switch q.Get("reviewed") {
	case "", "show":
	case "hide":
		f.HideReviewed = true
	default:
		writeError(w, http.StatusBadRequest, "reviewed must be show or hide")
		return
	}
	evs, err := s.opt.Store.ListEvents(r.Context(), f)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.linkRecordings(r.Context(), evs)
	if evs == nil {
		evs = []store.Event{}
	}
	writeJSON(w, http.StatusOK, evs)
}

// linkRecordings shows each event with the recording that holds its start, once that exists. A GET
// writes nothing: the link is looked up (store.DeleteRecording and retention treat an event inside a
// recording as its).
func (s *Server) linkRecordings(ctx context.Context, evs []store.Event) {
	for i := range evs {
		ev := &evs[i]
		if ev.RecordingID != "" {
			continue
		}
		if id, err := s.opt.Store.RecordingAt(ctx, ev.CameraID, ev.Start.Add(time.Millisecond)); err == nil && id != 0 {
			ev.RecordingID = strconv.FormatInt(id, 10)
		}
	}
}

func (s *Server) eventSnapshot(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("ev"), 10, 64)
	jpeg, err := s.opt.Store.EventSnapshot(r.Context(), id)
	if err != nil {
		storeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	_, _ = w.Write(jpeg)
}
