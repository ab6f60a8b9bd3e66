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
	c, ok := s.camera(w, r)
	if !ok {
		return
	}
	since, until, err := span(r, true, 24*time.Hour)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sp, err := s.opt.Recorder.Footage(r.Context(), c.ID, since, until)
	if errors.Is(err, ErrNoFootage) {
		writeError(w, http.StatusNotFound, "camera "+c.ID+" has no recordings between "+since.UTC().Format(time.RFC3339)+" and "+until.UTC().Format(time.RFC3339))
		return
	}
	if err != nil {
		storeError(w, err)
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
