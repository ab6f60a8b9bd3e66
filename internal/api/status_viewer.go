package api

import (
	"encoding/json"
	"net/http"

	"github.com/nvrproject/nvr/internal/auth"
)

// adminOnlyStatus are the status fields about nvrd's processes, shown to administrators only.
var adminOnlyStatus = []string{"worker_pid", "generation"}

// statusFor is the camera status as p may see it: all of it for administrators, without the process
// fields for viewers, and only the live-view fields for a wall token.
func statusFor(p *auth.Principal, st cameraStatus) any {
	if p.Wall() {
		return wallStatusOf(st)
	}
	if p.Admin() {
		return st
	}
	b, err := json.Marshal(st)
	if err != nil {
		return st
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return st
	}
	for _, k := range adminOnlyStatus {
		delete(m, k)
	}
	return m
}

// jsonRangeErrors makes http.ServeContent's "416 Requested Range Not Satisfiable" answer the API's
// JSON error instead of plain text.
func jsonRangeErrors(w http.ResponseWriter) http.ResponseWriter {
	return &rangeErrorWriter{ResponseWriter: w}
}

type rangeErrorWriter struct {
	http.ResponseWriter
	swallow bool
}

func (w *rangeErrorWriter) WriteHeader(code int) {
	if code != http.StatusRequestedRangeNotSatisfiable {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.swallow = true
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Cache-Control", "no-store")
	writeError(w.ResponseWriter, code, "the Range header asks for bytes this file does not have; ask for a range within its size")
}

func (w *rangeErrorWriter) Write(b []byte) (int, error) {
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *rangeErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
