package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/nvrproject/nvr/internal/store"
)

// EventReviews is what the events page changes: per-user review marks and deleting an event
// (*store.Store has both). The API finds it on Options.Store.
type EventReviews interface {
	SetEventReviewed(ctx context.Context, id, userID int64, on bool) error
	DeleteEvent(ctx context.Context, id int64) error
	GetEvent(ctx context.Context, id int64) (*store.Event, error)
	FillReviewed(ctx context.Context, userID int64, evs []store.Event) error
}

func (s *Server) eventReviews(w http.ResponseWriter) (EventReviews, bool) {
	rv, ok := any(s.opt.Store).(EventReviews)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this server keeps no review marks")
	}
	return rv, ok
}

func eventID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("ev"), 10, 64)
	return id
}

// markReviewed (POST) and unmarkReviewed (DELETE) set the asking user's review mark on an event.
func (s *Server) markReviewed(w http.ResponseWriter, r *http.Request)   { s.setReviewed(w, r, true) }
func (s *Server) unmarkReviewed(w http.ResponseWriter, r *http.Request) { s.setReviewed(w, r, false) }

func (s *Server) setReviewed(w http.ResponseWriter, r *http.Request, on bool) {
	rv, ok := s.eventReviews(w)
	if !ok {
		return
	}
	p := principal(r)
	if err := rv.SetEventReviewed(r.Context(), eventID(r), p.User.ID, on); err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("ev"), "reviewed": on})
}

// deleteEvent deletes one event (admin). Its recording stays: footage goes by retention only.
func (s *Server) deleteEvent(w http.ResponseWriter, r *http.Request) {
	rv, ok := s.eventReviews(w)
	if !ok {
		return
	}
	ev, err := rv.GetEvent(r.Context(), eventID(r))
	if err != nil {
		storeError(w, err)
		return
	}
	if ev.Open() {
		writeError(w, http.StatusConflict, "this event is still going on; delete it once it has ended")
		return
	}
	if err := rv.DeleteEvent(r.Context(), ev.ID); err != nil {
		storeError(w, err)
		return
	}
	s.audit(r, principal(r), store.AuditSettings, ev.CameraID, "deleted "+ev.Kind+" event "+strconv.FormatInt(ev.ID, 10)+"; its recording was kept")
	w.WriteHeader(http.StatusNoContent)
}

// getEvent is one event as GET /api/events lists it (with the asking user's reviewed mark and the
// recording that holds it), for a link to one event.
func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) {
	rv, ok := s.eventReviews(w)
	if !ok {
		return
	}
	ev, err := rv.GetEvent(r.Context(), eventID(r))
	if err != nil {
		storeError(w, err)
		return
	}
	evs := []store.Event{*ev}
	if p := principal(r); p != nil && p.User != nil {
		if err := rv.FillReviewed(r.Context(), p.User.ID, evs); err != nil {
			storeError(w, err)
			return
		}
	}
	s.linkRecordings(r.Context(), evs)
	if si, ok := any(s.opt.Store).(SightingIndex); ok && ev.Kind == store.EventObject {
		if evs[0].Sightings, err = si.EventSightings(r.Context(), ev.ID); err != nil {
			storeError(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, evs[0])
}

// SightingIndex is where an object event's object was on each keyframe it was seen
// (*store.Store has it). GET /api/events/{ev} includes them, so the player draws each box at
// its time.
type SightingIndex interface {
	EventSightings(ctx context.Context, id int64) ([]store.Sighting, error)
}
