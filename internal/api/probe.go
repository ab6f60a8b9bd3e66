package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/tsprobe"
)

// Probe limits: how long one stream is watched, how much of it is kept, how many probes run at once.
const (
	probeDuration = 8 * time.Second
	probeMaxBytes = 24 << 20
	probeParallel = 2
	// probeSlowKeyframes is the keyframe interval above which motion detection reacts late.
	probeSlowKeyframes = 2.0
)

// probeIn is the body of POST /api/cameras/probe.
type probeIn struct {
	URL      string  `json:"url"`
	User     *string `json:"user"`
	Password *string `json:"password"`
	SubURL   string  `json:"sub_url"`
}

// probeOut is the answer: the main stream's video and audio, what the person should change, and (with
// a sub_url) the sub stream's video.
type probeOut struct {
	Video    *tsprobe.Video `json:"video"`
	Audio    *tsprobe.Audio `json:"audio"`
	Warnings []string       `json:"warnings"`
	Sub      *tsprobe.Video `json:"sub,omitempty"`
}

// probeCamera is POST /api/cameras/probe: runs the real worker pipeline on the URL for a few seconds
// and answers what the stream is, or one sentence of what is wrong (HTTP 422, or 400 for a bad URL).
func (s *Server) probeCamera(w http.ResponseWriter, r *http.Request) {
	var in probeIn
	if !decodeBody(w, r, &in) {
		return
	}
	u, err := cameraURL(in.URL, in.User, in.Password)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if in.SubURL != "" {
		// The sub stream takes the main stream's credentials unless it has its own.
		sub, err := cameraURL(in.SubURL, nil, nil)
		if err == nil && in.User != nil {
			if su, perr := url.Parse(sub); perr == nil && su.User == nil {
				sub, err = cameraURL(in.SubURL, in.User, in.Password)
			}
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "sub_url: "+err.Error())
			return
		}
		in.SubURL = sub
	}
	if s.opt.Prober == nil {
		writeError(w, http.StatusServiceUnavailable, "camera tests are not available: the camera supervisor is not running")
		return
	}
	select {
	case s.probeSlots <- struct{}{}:
		defer func() { <-s.probeSlots }()
	default:
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusTooManyRequests, "other connection tests are running; try again in a few seconds")
		return
	}
	res, err := s.probeOne(r.Context(), u)
	if err != nil {
		if r.Context().Err() != nil {
			return // the client went away
		}
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	out := probeOut{Video: res.Video, Audio: res.Audio, Warnings: probeWarnings(res.Video)}
	if in.SubURL != "" {
		sub, err := s.probeOne(r.Context(), in.SubURL)
		if err != nil {
			out.Warnings = append(out.Warnings, "the sub stream does not work: "+err.Error())
		} else {
			out.Sub = sub.Video
			for _, w := range probeWarnings(sub.Video) {
				out.Warnings = append(out.Warnings, "sub stream: "+w)
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// probeOne watches one stream through a probe worker and describes it.
func (s *Server) probeOne(ctx context.Context, rawURL string) (*tsprobe.Result, error) {
	var (
		mu   sync.Mutex
		buf  []byte
		keys keyframeCounter
		t0   time.Time
	)
	err := s.opt.Prober.Probe(ctx, rawURL, probeDuration, func(data []byte, at time.Time) bool {
		mu.Lock()
		defer mu.Unlock()
		if buf == nil {
			t0 = at
		}
		if len(buf)+len(data) > probeMaxBytes {
			return true
		}
		buf = append(buf, data...)
		keys.count(data)
		seen := tsprobe.Video{KeyframesSeen: keys.n, SpanS: at.Sub(t0).Seconds()}
		return seen.Enough()
	})
	if err != nil {
		return nil, err
	}
	mu.Lock()
	data := buf
	mu.Unlock()
	res, err := tsprobe.Analyze(data)
	if err != nil {
		return nil, fmt.Errorf("the camera sends video nvr cannot read: %w", err)
	}
	switch v := res.Video; {
	case v.Codec != "h264" && v.Codec != "h265":
		return nil, fmt.Errorf("the stream is %s; nvr records H.264 and H.265: set the camera's video codec to H.264", strings.ToUpper(v.Codec))
	case v.Width == 0:
		return nil, errors.New("the camera's video has no readable picture size (no SPS in the first seconds)")
	}
	return res, nil
}

// probeWarnings are the things about a working stream a person can act on.
func probeWarnings(v *tsprobe.Video) []string {
	out := []string{}
	switch {
	case v.KeyframeIntervalS > probeSlowKeyframes:
		out = append(out, fmt.Sprintf("the camera sends a keyframe every %.1f s, so motion reacts up to %.0f s late: set the camera's I-frame interval to 1–2 s",
			v.KeyframeIntervalS, math.Ceil(v.KeyframeIntervalS)))
	case v.KeyframesSeen < 2 && v.SpanS > probeSlowKeyframes:
		out = append(out, fmt.Sprintf("the camera sent one keyframe in %.0f s, so motion reacts more than %.0f s late: set the camera's I-frame interval to 1–2 s",
			v.SpanS, math.Floor(v.SpanS)))
	}
	if v.Codec == "h265" {
		out = append(out, "the stream is H.265: nvr records it, but most browsers cannot play it live; set the camera's codec to H.264 to watch it in any browser")
	} else if !v.BrowserPlayable() {
		out = append(out, "the stream's H.264 profile ("+v.Profile+") does not play in browsers; set the camera's H.264 profile to High, Main or Baseline")
	}
	return out
}

// cameraURL checks an RTSP URL and puts user and password (when given) into it, so a password with
// characters like @ or : needs no escaping by the person typing it.
func cameraURL(raw string, user, password *string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("the camera URL is empty; give its RTSP address, like rtsp://192.168.1.20:554/stream1")
	}
	if err := store.ValidateURL(raw); err != nil {
		return "", err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("the camera URL must look like rtsp://host[:port]/path")
	}
	if user == nil && password != nil {
		return "", errors.New("a password was given without a user")
	}
	if user != nil {
		if u.User != nil {
			return "", errors.New("give the user and password either in the URL or in the User and Password fields, not both")
		}
		if strings.TrimSpace(*user) == "" {
			if password != nil && *password != "" {
				return "", errors.New("a password was given without a user")
			}
			return u.String(), nil
		}
		if password != nil {
			u.User = url.UserPassword(*user, *password)
		} else {
			u.User = url.User(*user)
		}
	}
	out := u.String()
	if err := store.ValidateURL(out); err != nil {
		return "", err
	}
	return out, nil
}

// withCredentials is the body of POST /api/cameras with the user and password optionally given apart
// from the URL (as the add-camera page's fields send them): it takes "user" and "password" out and
// decodes the rest strictly into Target (the camera), so errors name the camera's own fields.
type withCredentials struct {
	Target   any
	User     *string
	Password *string
}

// UnmarshalJSON implements json.Unmarshaler.
func (in *withCredentials) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for key, dst := range map[string]**string{"user": &in.User, "password": &in.Password} {
		raw, ok := m[key]
		if !ok {
			continue
		}
		delete(m, key)
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("field %q must be a string", key)
		}
		*dst = &v
	}
	rest, err := json.Marshal(m)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	return dec.Decode(in.Target)
}

// apply puts the user and password, when given, into the camera's URL.
func (in *withCredentials) apply(c *store.Camera) error {
	if in.User == nil && in.Password == nil {
		return nil
	}
	u, err := cameraURL(c.URL, in.User, in.Password)
	if err != nil {
		return err
	}
	c.URL = u
	return nil
}

// keyframeCounter counts keyframes in TS packets by the random-access indicator, on the PID of the first
// packet that carries it (the video: audio comes later in the PMT, and nvr's worker sends none).
type keyframeCounter struct {
	pid int
	n   int
}

func (k *keyframeCounter) count(data []byte) {
	for off := 0; off+188 <= len(data); off += 188 {
		p := data[off : off+188]
		if p[0] != 0x47 || p[3]&0x20 == 0 || p[4] == 0 || p[5]&0x40 == 0 {
			continue
		}
		pid := int(p[1]&0x1f)<<8 | int(p[2])
		if k.n == 0 {
			k.pid = pid
		}
		if pid == k.pid {
			k.n++
		}
	}
}
