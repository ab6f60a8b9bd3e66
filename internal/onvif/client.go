// Package onvif finds ONVIF cameras on the network (WS-Discovery), reads their media profiles and RTSP
// stream URIs, and drives their pan/tilt/zoom. SOAP requests and the WS-UsernameToken digest come from
// github.com/use-go/onvif; the responses are parsed here with encoding/xml, and WS-Discovery is written
// here because the library's needs an interface name and always multicasts.
package onvif

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	nvrptz "github.com/nvrproject/nvr/internal/onvif/ptz"
	goonvif "github.com/use-go/onvif"
	"github.com/use-go/onvif/device"
	"github.com/use-go/onvif/media"
	"github.com/use-go/onvif/ptz"
	"github.com/use-go/onvif/xsd"
	xsdonvif "github.com/use-go/onvif/xsd/onvif"
)

// Target is a device to talk to: its address (host or host:port; port 80 when left out) and the
// account to sign requests with (no signature when User is empty).
type Target struct {
	Addr     string `json:"address"`
	User     string `json:"user"`
	Password string `json:"password"`
}

// DeviceInfo is what GetDeviceInformation says about a device.
type DeviceInfo struct {
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	Firmware     string `json:"firmware,omitempty"`
	Serial       string `json:"serial,omitempty"`
}

// Profile is one media profile with its video encoder and RTSP stream URI.
type Profile struct {
	Token  string `json:"token"`
	Name   string `json:"name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Codec  string `json:"codec"`
	RTSP   string `json:"rtsp_uri"`
}

// Preset is a saved PTZ position.
type Preset struct {
	Token string `json:"token"`
	Name  string `json:"name"`
}

// Client talks to one device. It is cheap; make one per request.
type Client struct {
	dev *goonvif.Device
}

// requestTimeout bounds every SOAP call.
const requestTimeout = 8 * time.Second

// hostPort is addr with port 80 added when it has none; addr may also be an http:// URL.
func hostPort(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("ONVIF address %q is not host[:port] or an http:// URL", addr)
		}
		addr = u.Host
	}
	if addr == "" {
		return "", errors.New("the ONVIF address is empty")
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), "80")
	}
	return addr, nil
}

// Dial asks the device for its services (GetCapabilities) and returns a client for it.
func Dial(t Target) (*Client, error) {
	addr, err := hostPort(t.Addr)
	if err != nil {
		return nil, err
	}
	dev, err := goonvif.NewDevice(goonvif.DeviceParams{Xaddr: addr, Username: t.User, Password: t.Password,
		HttpClient: &http.Client{Timeout: requestTimeout}})
	if err != nil {
		return nil, dialError(addr, t, err)
	}
	return &Client{dev: dev}, nil
}

// envelope is a SOAP response: its body's first element is decoded into Body.Content.
type envelope struct {
	Body struct {
		Fault *struct {
			Reason string `xml:"Reason>Text"`
			Code   string `xml:"Code>Subcode>Value"`
		} `xml:"Fault"`
		Inner []byte `xml:",innerxml"`
	} `xml:"Body"`
}

// call sends method and decodes the response body's element into out (nil: only check for a fault).
func (c *Client) call(method any, out any) error {
	resp, err := c.dev.CallMethod(method)
	if err != nil {
		return fmt.Errorf("ONVIF request failed: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("reading the ONVIF answer: %w", err)
	}
	var env envelope
	if err := xml.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("the device's answer (HTTP %d) is not a SOAP message: %w", resp.StatusCode, err)
	}
	if f := env.Body.Fault; f != nil {
		msg := strings.TrimSpace(f.Reason)
		if msg == "" {
			msg = strings.TrimSpace(f.Code)
		}
		return fmt.Errorf("the device refused the request: %s", msg)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the device answered HTTP %d", resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	if err := xml.Unmarshal(env.Body.Inner, out); err != nil {
		return fmt.Errorf("cannot read the device's answer: %w", err)
	}
	return nil
}

// Info is the device's maker, model, firmware and serial number.
func (c *Client) Info() (DeviceInfo, error) {
	var r struct {
		Manufacturer, Model, FirmwareVersion, SerialNumber string
	}
	if err := c.call(device.GetDeviceInformation{}, &r); err != nil {
		return DeviceInfo{}, err
	}
	return DeviceInfo{Manufacturer: r.Manufacturer, Model: r.Model, Firmware: r.FirmwareVersion, Serial: r.SerialNumber}, nil
}

// Profiles are the device's media profiles, each with its RTSP URI (main stream usually first).
func (c *Client) Profiles() ([]Profile, error) {
	var r struct {
		Profiles []struct {
			Token string `xml:"token,attr"`
			Name  string `xml:"Name"`
			Video struct {
				Encoding string `xml:"Encoding"`
				Width    int    `xml:"Resolution>Width"`
				Height   int    `xml:"Resolution>Height"`
			} `xml:"VideoEncoderConfiguration"`
		} `xml:"Profiles"`
	}
	if err := c.call(media.GetProfiles{}, &r); err != nil {
		return nil, err
	}
	out := make([]Profile, 0, len(r.Profiles))
	for _, p := range r.Profiles {
		var u struct {
			URI string `xml:"MediaUri>Uri"`
		}
		req := media.GetStreamUri{ProfileToken: xsdonvif.ReferenceToken(p.Token),
			StreamSetup: xsdonvif.StreamSetup{Stream: "RTP-Unicast", Transport: xsdonvif.Transport{Protocol: "RTSP"}}}
		if err := c.call(req, &u); err != nil {
			return nil, fmt.Errorf("stream URI of profile %q: %w", p.Name, err)
		}
		out = append(out, Profile{Token: p.Token, Name: p.Name, Width: p.Video.Width, Height: p.Video.Height,
			Codec: p.Video.Encoding, RTSP: strings.TrimSpace(u.URI)})
	}
	return out, nil
}

// ContinuousMove starts moving at the given velocities (each -1..1) until Stop or the device's own
// timeout (timeout, sent as the request's Timeout).
func (c *Client) ContinuousMove(profile string, pan, tilt, zoom float64, timeout time.Duration) error {
	req := nvrptz.ContinuousMove{ProfileToken: profile,
		Velocity: nvrptz.Speed{PanTilt: nvrptz.Vector2D{X: pan, Y: tilt}, Zoom: nvrptz.Vector1D{X: zoom}}}
	if timeout > 0 {
		req.Timeout = fmt.Sprintf("PT%gS", timeout.Seconds())
	}
	return c.call(req, nil)
}

// Stop stops pan, tilt and zoom.
func (c *Client) Stop(profile string) error {
	return c.call(ptz.Stop{ProfileToken: xsdonvif.ReferenceToken(profile), PanTilt: true, Zoom: true}, nil)
}

// Presets are the profile's saved positions.
func (c *Client) Presets(profile string) ([]Preset, error) {
	var r struct {
		Presets []struct {
			Token string `xml:"token,attr"`
			Name  string `xml:"Name"`
		} `xml:"Preset"`
	}
	if err := c.call(ptz.GetPresets{ProfileToken: xsdonvif.ReferenceToken(profile)}, &r); err != nil {
		return nil, err
	}
	out := make([]Preset, 0, len(r.Presets))
	for _, p := range r.Presets {
		out = append(out, Preset{Token: p.Token, Name: p.Name})
	}
	return out, nil
}

// GotoPreset moves to a saved position at the camera's default speed.
func (c *Client) GotoPreset(profile, preset string) error {
	return c.call(nvrptz.GotoPreset{ProfileToken: profile, PresetToken: preset}, nil)
}

// SetPreset saves the current position under name and returns the new preset's token.
func (c *Client) SetPreset(profile, name string) (string, error) {
	var r struct {
		Token string `xml:"PresetToken"`
	}
	if err := c.call(ptz.SetPreset{ProfileToken: xsdonvif.ReferenceToken(profile), PresetName: xsd.String(name)}, &r); err != nil {
		return "", err
	}
	return r.Token, nil
}

var mediaGetProfiles = media.GetProfiles{}
