package api

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// MQTTSettings are the MQTT integration's settings (*mqtt.Service): read without the password,
// and changed by a partial JSON document, checked, stored and applied live.
type MQTTSettings interface {
	MQTTSettings(ctx context.Context) (any, error)
	SetMQTTSettings(ctx context.Context, body []byte) (any, error)
}

func (s *Server) getMQTTSettings(w http.ResponseWriter, r *http.Request) {
	if s.opt.MQTT == nil {
		writeError(w, http.StatusServiceUnavailable, "MQTT is not available in this server")
		return
	}
	v, err := s.opt.MQTT.MQTTSettings(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) putMQTTSettings(w http.ResponseWriter, r *http.Request) {
	if s.opt.MQTT == nil {
		writeError(w, http.StatusServiceUnavailable, "MQTT is not available in this server")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "the request body is too large")
			return
		}
		writeError(w, http.StatusBadRequest, "the request body could not be read")
		return
	}
	v, err := s.opt.MQTT.SetMQTTSettings(r.Context(), body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, v)
}
