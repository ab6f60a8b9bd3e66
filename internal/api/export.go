package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/segments"
)

// export remuxes a camera's footage over [since, until) into a fragmented MP4, streamed as it is made.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	c, since, until, sp, ok := s.exportSpan(w, r)
	if !ok {
		return
	}
	s.audit(r, principal(r), store.AuditExport, c.ID, since.UTC().Format(time.RFC3339)+" to "+until.UTC().Format(time.RFC3339))
	name := exportName(c.ID, sp)
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	// What the file holds: the export joins recordings end to end, so gaps between them are not in it.
	w.Header().Set("X-Content-Duration", fmt.Sprintf("%.3f", sp.Footage.Seconds()))
	if err := segments.ExportMP4(w, sp.Paths, nil); err != nil {
		// Headers are gone; the client sees a cut-off file. Say why in the log.
		s.log.Warn("export cut short", "camera", c.ID, "err", err)
	}
}

// exportSpan reads an export's camera and ?since=&until= (at most 24 h) and finds the footage they cover;
// when it cannot, it has answered with the reason.
func (s *Server) exportSpan(w http.ResponseWriter, r *http.Request) (c *store.Camera, since, until time.Time, sp FootageSpan, ok bool) {
	c, ok = s.camera(w, r)
	if !ok {
		return
	}
	since, until, err := span(r, true, 24*time.Hour)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return c, since, until, sp, false
	}
	sp, err = s.opt.Recorder.Footage(r.Context(), c.ID, since, until)
	if errors.Is(err, ErrNoFootage) {
		writeError(w, http.StatusNotFound, "camera "+c.ID+" has no recordings between "+since.UTC().Format(time.RFC3339)+" and "+until.UTC().Format(time.RFC3339))
		return c, since, until, sp, false
	}
	if err != nil {
		storeError(w, err)
		return c, since, until, sp, false
	}
	return c, since, until, sp, true
}
