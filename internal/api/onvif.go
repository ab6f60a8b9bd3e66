package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/nvrproject/nvr/internal/onvif"
	"github.com/nvrproject/nvr/internal/store"
)

// ONVIF is camera discovery, profiles and PTZ (*onvif.Service).
type ONVIF interface {
	// Discover lists the devices that answer a probe; with an account, each with its profiles.
	Discover(ctx context.Context, user, password string) ([]onvif.Device, error)
	Profiles(ctx context.Context, t onvif.Target) ([]onvif.Profile, error)
	// Move starts a continuous move that stops by itself unless another Move follows soon.
	Move(ctx context.Context, t onvif.Target, pan, tilt, zoom float64) error
	Stop(ctx context.Context, t onvif.Target) error
	Presets(ctx context.Context, t onvif.Target) ([]onvif.Preset, error)
	GotoPreset(ctx context.Context, t onvif.Target, preset string) error
	SetPreset(ctx context.Context, t onvif.Target, name string) (token string, err error)
}

func (s *Server) onvifOff(w http.ResponseWriter) bool {
	if s.opt.ONVIF == nil {
		writeError(w, http.StatusServiceUnavailable, "ONVIF is not available in this server")
		return true
	}
	return false
}

// onvifError writes a device's failure: a bad velocity is the client's, anything else the device's.
func onvifError(w http.ResponseWriter, err error) {
	if errors.Is(err, onvif.ErrBadVelocity) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeError(w, http.StatusBadGateway, err.Error())
}

func (s *Server) onvifDiscover(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if r.ContentLength != 0 && !decodeBody(w, r, &req) {
		return
	}
	if s.onvifOff(w) {
		return
	}
	devs, err := s.opt.ONVIF.Discover(r.Context(), req.User, req.Password)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "discovery failed: "+err.Error())
		return
	}
	if devs == nil {
		devs = []onvif.Device{}
	}
	writeJSON(w, http.StatusOK, devs)
}

func (s *Server) onvifProfiles(w http.ResponseWriter, r *http.Request) {
	var t onvif.Target
	if !decodeBody(w, r, &t) {
		return
	}
	if strings.TrimSpace(t.Addr) == "" {
		writeError(w, http.StatusBadRequest, `"address" is empty: give the device's host[:port]`)
		return
	}
	if s.onvifOff(w) {
		return
	}
	ps, err := s.opt.ONVIF.Profiles(r.Context(), t)
	if err != nil {
		onvifError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ps)
}

// ptzRequest is the body of POST /api/cameras/{id}/ptz: exactly one of its fields.
type ptzRequest struct {
	Move *struct {
		Pan  float64 `json:"pan"`
		Tilt float64 `json:"tilt"`
		Zoom float64 `json:"zoom"`
	} `json:"move"`
	Stop       bool   `json:"stop"`
	Preset     string `json:"preset"`
	SavePreset string `json:"save_preset"`
}

// cameraONVIF is the ONVIF target of a camera: its onvif address, or its RTSP host on port 80; the
// account from the onvif URL, or else from the RTSP URL.
func cameraONVIF(c *store.Camera) (onvif.Target, error) {
	var t onvif.Target
	rtsp, _ := url.Parse(c.URL)
	if rtsp != nil && rtsp.User != nil {
		t.User = rtsp.User.Username()
		t.Password, _ = rtsp.User.Password()
	}
	if c.ONVIF != "" {
		t.Addr = c.ONVIF
		if u, err := url.Parse(c.ONVIF); err == nil && strings.Contains(c.ONVIF, "://") {
			t.Addr = u.Host
			if u.User != nil {
				t.User = u.User.Username()
				t.Password, _ = u.User.Password()
			}
		}
		return t, nil
	}
	if rtsp == nil || (rtsp.Scheme != "rtsp" && rtsp.Scheme != "rtsps") || rtsp.Hostname() == "" {
		return t, errors.New("this camera has no ONVIF address: set its \"onvif\" field")
	}
	t.Addr = net.JoinHostPort(rtsp.Hostname(), "80")
	return t, nil
}

func (s *Server) ptzTarget(w http.ResponseWriter, r *http.Request) (onvif.Target, bool) {
	c, ok := s.camera(w, r)
	if !ok {
		return onvif.Target{}, false
	}
	t, err := cameraONVIF(c)
	if err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return t, false
	}
	return t, !s.onvifOff(w)
}

func (s *Server) ptz(w http.ResponseWriter, r *http.Request) {
	var req ptzRequest
	if !decodeBody(w, r, &req) {
		return
	}
	n := 0
	for _, set := range []bool{req.Move != nil, req.Stop, req.Preset != "", req.SavePreset != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		writeError(w, http.StatusBadRequest, `send exactly one of "move", "stop", "preset" or "save_preset"`)
		return
	}
	if req.SavePreset != "" {
		if err := store.ValidateText("preset name", req.SavePreset); err != nil || len(req.SavePreset) > 64 {
			writeError(w, http.StatusBadRequest, "a preset name must be printable text of at most 64 bytes")
			return
		}
	}
	t, ok := s.ptzTarget(w, r)
	if !ok {
		return
	}
	ctx := context.WithoutCancel(r.Context()) // a started command is finished even if the client leaves
	var err error
	out := map[string]any{"ok": true}
	switch {
	case req.Move != nil:
		err = s.opt.ONVIF.Move(ctx, t, req.Move.Pan, req.Move.Tilt, req.Move.Zoom)
	case req.Stop:
		err = s.opt.ONVIF.Stop(ctx, t)
	case req.Preset != "":
		err = s.opt.ONVIF.GotoPreset(ctx, t, req.Preset)
	default:
		var tok string
		tok, err = s.opt.ONVIF.SetPreset(ctx, t, req.SavePreset)
		out["token"] = tok
	}
	if err != nil {
		onvifError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) ptzPresets(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ptzTarget(w, r)
	if !ok {
		return
	}
	ps, err := s.opt.ONVIF.Presets(r.Context(), t)
	if err != nil {
		onvifError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ps)
}
