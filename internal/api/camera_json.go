package api

import (
	"encoding/json"

	"github.com/nvrproject/nvr/internal/store"
)

// cameraJSON is the API's shape of a camera: its settings as they apply (an unset max_age_days shows 30,
// not 0), and "defaults", the JSON paths of the settings that follow their default.
type cameraJSON struct {
	*store.Camera
	Defaults []string `json:"defaults"`
}

// cameraOut is c as the API shows it.
func cameraOut(c *store.Camera) cameraJSON {
	v := *c
	var defs []string
	v.CameraSettings, defs = c.CameraSettings.Effective()
	return cameraJSON{Camera: &v, Defaults: defs}
}

// cameraIn reads a camera as a client sends it, which may be what cameraOut wrote: "defaults" is
// accepted and ignored (decodeCamera keeps unset settings unset).
type cameraIn struct {
	*store.Camera
	Defaults json.RawMessage `json:"defaults"`
}
