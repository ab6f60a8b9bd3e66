package api

import (
	"fmt"
	"net/http"
)

// SubLiver is a Pipeline with a substream: SubLive is its live stream while the substream works, or
// nil (a camera without one, or one that failed), when the main stream is served instead.
type SubLiver interface {
	SubLive() LiveStream
}

// liveStream picks the stream GET /api/cameras/{id}/live?stream= asks for: "main" (the default, the
// recorded stream for the single view) or "sub" (the substream for grid tiles; the main stream when the
// camera has no working substream, so a tile always plays).
func liveStream(r *http.Request, cam Pipeline) (LiveStream, error) {
	switch q := r.URL.Query().Get("stream"); q {
	case "", "main":
		return cam.Live(), nil
	case "sub":
		if sl, ok := cam.(SubLiver); ok {
			if h := sl.SubLive(); h != nil {
				return h, nil
			}
		}
		return cam.Live(), nil
	default:
		return nil, fmt.Errorf("stream must be main or sub, not %q", q)
	}
}

// checkLiveStream answers 400 for an unknown stream= before the socket is upgraded.
func checkLiveStream(w http.ResponseWriter, r *http.Request, cam Pipeline) (LiveStream, bool) {
	hub, err := liveStream(r, cam)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return hub, true
}
