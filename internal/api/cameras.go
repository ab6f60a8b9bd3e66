package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/ipc"
)

const maxBody = 1 << 20

// decodeBody decodes a JSON body into v, rejecting unknown fields, and writes a 400 on failure.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			writeError(w, http.StatusBadRequest, "request body is empty; send a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			writeError(w, http.StatusBadRequest, "request body is not valid JSON (it ends too early)")
		case errors.As(err, &se):
			writeError(w, http.StatusBadRequest, fmt.Sprintf("request body is not valid JSON (at byte %d)", se.Offset))
		case errors.As(err, &te) && te.Field == "":
			writeError(w, http.StatusBadRequest, fmt.Sprintf("request body must be a JSON object, not a JSON %s", te.Value))
		case errors.As(err, &te):
			writeError(w, http.StatusBadRequest, typeErrorMessage(te))
		case errors.As(err, &mbe):
			writeError(w, http.StatusRequestEntityTooLarge, "request body is larger than 1 MiB")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			writeError(w, http.StatusBadRequest, "request body has an "+strings.TrimPrefix(err.Error(), "json: "))
		default:
			writeError(w, http.StatusBadRequest, "request body: "+err.Error())
		}
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "request body has more than one JSON value")
		return false
	}
	return true
}

// visible is what p may see of a camera: admins everything, viewers no URL or ONVIF address (they may hold a password).
func visible(p *auth.Principal, c *store.Camera) *store.Camera {
	if p.Admin() {
		return c
	}
	v := *c
	v.URL = ""
	v.ONVIF = ""
	v.SubURL = ""
	return &v
}

func (s *Server) listCameras(w http.ResponseWriter, r *http.Request) {
	cams, err := s.opt.Store.Cameras(r.Context())
	if err != nil {
		storeError(w, err)
		return
	}
	p := principal(r)
	out := []cameraJSON{}
	for _, c := range cams {
		if p.Can(c.ID, auth.NeedLive) || p.Can(c.ID, auth.NeedRecordings) {
			out = append(out, visibleOut(p, c))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createCamera(w http.ResponseWriter, r *http.Request) {
	c := store.Camera{Enabled: true, CameraSettings: store.DefaultSettings()}
	before := c.CameraSettings
	in := withCredentials{Target: &cameraIn{Camera: &c}}
	if !decodeBody(w, r, &in) {
		return
	}
	if err := in.apply(&c); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c.KeepDefaults(before)
	c.ID = ""
	if err := s.opt.Store.CreateCamera(r.Context(), &c); err != nil {
		if errors.Is(err, store.ErrConflict) {
			storeError(w, err)
			return
		}
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.opt.Sup.Changed()
	s.audit(r, principal(r), store.AuditSettings, c.ID, "camera added")
	writeJSON(w, http.StatusCreated, cameraOut(&c))
}

func (s *Server) camera(w http.ResponseWriter, r *http.Request) (*store.Camera, bool) {
	c, err := s.opt.Store.Camera(r.Context(), r.PathValue("id"))
	if err != nil {
		storeError(w, err)
		return nil, false
	}
	return c, true
}

func (s *Server) getCamera(w http.ResponseWriter, r *http.Request) {
	if c, ok := s.camera(w, r); ok {
		writeJSON(w, http.StatusOK, visibleOut(principal(r), c))
	}
}

func (s *Server) patchCamera(w http.ResponseWriter, r *http.Request) {
	c, ok := s.camera(w, r)
	if !ok {
		return
	}
	id := c.ID
	before := c.CameraSettings
	if !decodeBody(w, r, &cameraIn{Camera: c}) {
		return
	}
	c.KeepDefaults(before)
	if c.ID != id {
		writeError(w, http.StatusBadRequest, "a camera's id cannot be changed")
		return
	}
	if err := s.opt.Store.UpdateCamera(r.Context(), c); err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			storeError(w, err)
			return
		}
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.opt.Sup.Changed()
	s.audit(r, principal(r), store.AuditSettings, c.ID, "camera changed")
	writeJSON(w, http.StatusOK, cameraOut(c))
}

func (s *Server) deleteCamera(w http.ResponseWriter, r *http.Request) {
	if err := s.opt.Store.DeleteCamera(r.Context(), r.PathValue("id")); err != nil {
		storeError(w, err)
		return
	}
	s.opt.Sup.Changed()
	s.audit(r, principal(r), store.AuditSettings, r.PathValue("id"), "camera removed")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) cameraStatus(w http.ResponseWriter, r *http.Request) {
	c, ok := s.camera(w, r)
	if !ok {
		return
	}
	if !c.Enabled {
		writeJSON(w, http.StatusOK, statusFor(principal(r), cameraStatus{PipelineStatus: PipelineStatus{State: StateDisabled}}))
		return
	}
	out := cameraStatus{PipelineStatus: PipelineStatus{State: StateStarting}}
	if cam := s.opt.Sup.Camera(c.ID); cam != nil {
		out.PipelineStatus = cam.Status()
	}
	if s.opt.Recorder != nil {
		rs := s.opt.Recorder.Status(c.ID)
		out.Recording = &rs
	}
	if s.opt.Analysis != nil {
		if a, ok := s.opt.Analysis.Analysis(c.ID); ok {
			out.Analysis = &a
		}
	}
	writeJSON(w, http.StatusOK, statusFor(principal(r), out))
}

// cameraStatus is the camera's pipeline status with its recording and analysis state.
type cameraStatus struct {
	PipelineStatus
	Recording *RecordingStatus `json:"recording,omitempty"`
	Analysis  *AnalysisStatus  `json:"analysis,omitempty"`
}

func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) {
	c, ok := s.camera(w, r)
	if !ok {
		return
	}
	var k *ipc.Keyframe
	if cam := s.opt.Sup.Camera(c.ID); cam != nil {
		k = cam.Snapshot(r.Context())
	}
	if k == nil {
		writeError(w, http.StatusServiceUnavailable, "camera "+c.ID+" has no picture yet; it is not streaming")
		return
	}
	s.audit(r, principal(r), store.AuditSnapshot, c.ID, "")
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Last-Modified", k.Wall().UTC().Format(http.TimeFormat))
	pic, _, _ := k.Picture()
	_, _ = w.Write(pic)
}
