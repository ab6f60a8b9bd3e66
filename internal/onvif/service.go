package onvif

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
)

// Service is what nvrd offers of ONVIF: discovery, profiles and PTZ. Continuous moves stop by
// themselves MoveTimeout after the last move request (a browser that went away mid-move).
type Service struct {
	// DiscoveryAddr is where probes go (MulticastAddr when empty).
	DiscoveryAddr string
	// DiscoveryWait is how long answers are collected (3 s when zero).
	DiscoveryWait time.Duration
	// MoveTimeout is how long a continuous move lasts without a further move (4 s when zero).
	MoveTimeout time.Duration
	Log         *slog.Logger

	mu     sync.Mutex
	moves  map[string]*time.Timer // by device address: the pending automatic stop
	closed bool
	wg     sync.WaitGroup // automatic stops running or pending
}

// ErrBadVelocity is a move velocity outside -1..1.
var ErrBadVelocity = errors.New("pan, tilt and zoom velocities must be numbers from -1 to 1")

// Discover probes for devices. With an account (user not empty) it also asks each device for its
// maker and model (GetDeviceInformation, which beats the scopes) and its profiles with RTSP URIs.
func (s *Service) Discover(ctx context.Context, user, password string) ([]Device, error) {
	addr, wait := s.DiscoveryAddr, s.DiscoveryWait
	if addr == "" {
		addr = MulticastAddr
	}
	if wait <= 0 {
		wait = 3 * time.Second
	}
	devs, err := Discover(ctx, addr, wait)
	if err != nil || user == "" {
		return devs, err
	}
	for i := range devs {
		d := &devs[i]
		c, err := Dial(Target{Addr: d.Address, User: user, Password: password})
		if err == nil {
			var info DeviceInfo
			if info, err = c.Info(); err == nil {
				d.Manufacturer, d.Model = info.Manufacturer, info.Model
				d.Profiles, err = c.Profiles()
			}
		}
		if err != nil {
			d.Error = err.Error()
		}
	}
	return devs, nil
}

// Profiles are the target's media profiles with their RTSP URIs.
func (s *Service) Profiles(_ context.Context, t Target) ([]Profile, error) {
	c, err := Dial(t)
	if err != nil {
		return nil, err
	}
	return c.Profiles()
}

// ptzClient dials t and finds the profile PTZ commands go to (the first).
func ptzClient(t Target) (*Client, string, error) {
	c, err := Dial(t)
	if err != nil {
		return nil, "", err
	}
	tok, err := c.firstProfile()
	if err != nil {
		return nil, "", err
	}
	return c, tok, nil
}

func (s *Service) moveTimeout() time.Duration {
	if s.MoveTimeout <= 0 {
		return 4 * time.Second
	}
	return s.MoveTimeout
}

// Move starts (or changes) a continuous move; it stops by itself after MoveTimeout unless another
// Move comes first.
func (s *Service) Move(_ context.Context, t Target, pan, tilt, zoom float64) error {
	for _, v := range []float64{pan, tilt, zoom} {
		if math.IsNaN(v) || v < -1 || v > 1 {
			return ErrBadVelocity
		}
	}
	c, tok, err := ptzClient(t)
	if err != nil {
		return err
	}
	if err := c.ContinuousMove(tok, pan, tilt, zoom, s.moveTimeout()); err != nil {
		return err
	}
	s.arm(t)
	return nil
}

// arm (re)starts t's automatic stop.
func (s *Service) arm(t Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.moves == nil {
		s.moves = map[string]*time.Timer{}
	}
	s.disarmLocked(t.Addr)
	s.wg.Add(1)
	var tm *time.Timer
	tm = time.AfterFunc(s.moveTimeout(), func() {
		defer s.wg.Done()
		s.mu.Lock()
		mine := s.moves[t.Addr] == tm
		if mine {
			delete(s.moves, t.Addr)
		}
		s.mu.Unlock()
		if !mine {
			return
		}
		c, tok, err := ptzClient(t)
		if err == nil {
			err = c.Stop(tok)
		}
		if err != nil && s.Log != nil {
			s.Log.Warn("onvif: automatic PTZ stop failed", "address", t.Addr, "err", err)
		}
	})
	s.moves[t.Addr] = tm
}

func (s *Service) disarmLocked(addr string) {
	if tm, ok := s.moves[addr]; ok {
		delete(s.moves, addr)
		if tm.Stop() {
			s.wg.Done()
		}
	}
}

// Stop stops a move now.
func (s *Service) Stop(_ context.Context, t Target) error {
	s.mu.Lock()
	s.disarmLocked(t.Addr)
	s.mu.Unlock()
	c, tok, err := ptzClient(t)
	if err != nil {
		return err
	}
	return c.Stop(tok)
}

// Presets are the target's saved positions.
func (s *Service) Presets(_ context.Context, t Target) ([]Preset, error) {
	c, tok, err := ptzClient(t)
	if err != nil {
		return nil, err
	}
	return c.Presets(tok)
}

// GotoPreset moves to a saved position.
func (s *Service) GotoPreset(_ context.Context, t Target, preset string) error {
	c, tok, err := ptzClient(t)
	if err != nil {
		return err
	}
	return c.GotoPreset(tok, preset)
}

// SetPreset saves the current position as name and returns its token.
func (s *Service) SetPreset(_ context.Context, t Target, name string) (string, error) {
	c, tok, err := ptzClient(t)
	if err != nil {
		return "", err
	}
	return c.SetPreset(tok, name)
}

// Close cancels pending automatic stops and waits for running ones.
func (s *Service) Close() {
	s.mu.Lock()
	s.closed = true
	for addr := range s.moves {
		s.disarmLocked(addr)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// firstProfile is the token of the device's first media profile.
func (c *Client) firstProfile() (string, error) {
	var r struct {
		Profiles []struct {
			Token string `xml:"token,attr"`
		} `xml:"Profiles"`
	}
	if err := c.call(mediaGetProfiles, &r); err != nil {
		return "", err
	}
	if len(r.Profiles) == 0 || r.Profiles[0].Token == "" {
		return "", fmt.Errorf("the device has no media profile to steer")
	}
	return r.Profiles[0].Token, nil
}
