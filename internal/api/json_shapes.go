package api

import (
	"encoding/json"
	"github.com/nvrproject/nvr/internal/auth"
	"strconv"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// The API's JSON shapes live here (events marshal themselves in store, in the same time format).

// TimeFormat is how every time appears in the API's JSON: RFC 3339 in UTC with milliseconds.
const TimeFormat = store.TimeFormat

// formatTime writes t in TimeFormat.
func formatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// recordingJSON is a recording as the API shows it.
type recordingJSON struct {
	ID       string `json:"id"`
	Camera   string `json:"camera"`
	Kind     string `json:"kind"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Bytes    int64  `json:"bytes"`
	Reason   string `json:"reason"`
	Open     bool   `json:"open"`
	Segments int    `json:"segments"`
	Playlist string `json:"playlist"`
}

func toRecordingJSON(r *store.Recording) recordingJSON {
	id := strconv.FormatInt(r.ID, 10)
	return recordingJSON{ID: id, Camera: r.CameraID, Kind: r.Kind, Start: formatTime(r.Start),
		End: formatTime(r.End), Bytes: r.Bytes, Reason: r.Reason, Open: r.Open, Segments: r.NSegs,
		Playlist: "/api/recordings/" + id + "/index.m3u8"}
}

// cameraJSON is the API's shape of a camera: its settings as they apply (an unset max_age_days shows 30,
// not 0), "defaults", the JSON paths of the settings that follow their default, and "default_values",
// what each such setting's default is (path → value), so a form can say so.
type cameraJSON struct {
	*store.Camera
	Defaults      []string       `json:"defaults"`
	DefaultValues map[string]any `json:"default_values"`
	// HasSub says the camera has a substream, also to viewers, who do not see its URL (a tile that
	// cannot play the main stream offers it).
	HasSub bool `json:"has_sub"`
}

// cameraOut is c as the API shows it.
func cameraOut(c *store.Camera) cameraJSON {
	v := *c
	var defs []string
	v.CameraSettings, defs = c.CameraSettings.Effective()
	return cameraJSON{Camera: &v, Defaults: defs, DefaultValues: defaultValues(), HasSub: c.SubURL != ""}
}

// visibleOut is cameraOut of what p may see of c, with has_sub from the whole camera.
func visibleOut(p *auth.Principal, c *store.Camera) cameraJSON {
	out := cameraOut(visible(p, c))
	out.HasSub = c.SubURL != ""
	return out
}

// cameraIn reads a camera as a client sends it, which may be what cameraOut wrote: "defaults" is
// accepted and ignored, and so is "default_values" (decodeCamera keeps unset settings unset).
type cameraIn struct {
	*store.Camera
	Defaults      json.RawMessage `json:"defaults"`
	DefaultValues json.RawMessage `json:"default_values"`
	HasSub        json.RawMessage `json:"has_sub"`
}
