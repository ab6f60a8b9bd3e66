// Package onviftest is a fake ONVIF camera for tests, since no ONVIF device can run here: SOAP over
// HTTP on loopback answering the calls internal/onvif makes (GetCapabilities, GetDeviceInformation,
// GetProfiles, GetStreamUri, ContinuousMove, Stop, GetPresets, GotoPreset, SetPreset), checking each
// request's WS-UsernameToken digest, and a WS-Discovery responder on a loopback UDP port. It records
// every PTZ call so a test can check what reached the "camera". Like a strict camera it refuses a
// request sent to the wrong service, an empty space attribute or an empty Timeout.
package onviftest

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Maker and model the fake reports (GetDeviceInformation and its discovery scopes).
const (
	Maker = "Acme Optics"
	Model = "PTZ-4000"
)

// Call is one PTZ request that reached the fake.
type Call struct {
	Op              string // ContinuousMove, Stop, GotoPreset, SetPreset
	Profile         string
	Pan, Tilt, Zoom float64
	Preset, Name    string
	At              time.Time
}

// Device is the fake camera.
type Device struct {
	User, Password string
	// MainURI and SubURI are the RTSP URIs of profiles "main" and "sub".
	MainURI, SubURI string

	srv  *httptest.Server
	udp  *net.UDPConn
	done chan struct{}
	once sync.Once

	mu           sync.Mutex
	calls        []Call
	presets      []preset
	changed      chan struct{} // closed and replaced at every recorded call
	authFailures int
}

type preset struct{ token, name string }

// Start runs a fake device with that account; it is closed when the test ends.
func Start(t testing.TB, user, password string) *Device {
	t.Helper()
	d := &Device{User: user, Password: password, MainURI: "rtsp://127.0.0.1:8554/main", SubURI: "rtsp://127.0.0.1:8554/sub",
		presets: []preset{{"1", "Gate"}, {"2", "Drive"}}, changed: make(chan struct{}), done: make(chan struct{})}
	d.srv = httptest.NewServer(http.HandlerFunc(d.serveSOAP))
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		d.srv.Close()
		t.Fatalf("fake ONVIF discovery socket: %v", err)
	}
	d.udp = udp
	go d.serveDiscovery()
	t.Cleanup(d.Close)
	return d
}

// Addr is the device service's host:port.
func (d *Device) Addr() string { return strings.TrimPrefix(d.srv.URL, "http://") }

// DiscoveryAddr is the loopback UDP address its WS-Discovery responder listens on.
func (d *Device) DiscoveryAddr() string { return d.udp.LocalAddr().String() }

// Close stops both servers.
func (d *Device) Close() {
	d.once.Do(func() {
		d.udp.Close()
		<-d.done
		d.srv.Close()
	})
}

// Calls are the PTZ calls so far.
func (d *Device) Calls() []Call {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Call(nil), d.calls...)
}

// AuthFailures counts requests refused for a missing or wrong digest.
func (d *Device) AuthFailures() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.authFailures
}

// WaitCall waits until a call satisfying ok has arrived (index ≥ from) and returns it.
func (d *Device) WaitCall(t testing.TB, from int, timeout time.Duration, ok func(Call) bool) Call {
	t.Helper()
	deadline := time.After(timeout)
	for {
		d.mu.Lock()
		for i := from; i < len(d.calls); i++ {
			if ok(d.calls[i]) {
				c := d.calls[i]
				d.mu.Unlock()
				return c
			}
		}
		ch := d.changed
		d.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("the fake ONVIF device did not get the expected call within %v; calls: %+v", timeout, d.Calls())
		}
	}
}

func (d *Device) record(c Call) {
	c.At = time.Now()
	d.mu.Lock()
	d.calls = append(d.calls, c)
	close(d.changed)
	d.changed = make(chan struct{})
	d.mu.Unlock()
}

type request struct {
	Token struct {
		Username string `xml:"Username"`
		Password string `xml:"Password"`
		Nonce    string `xml:"Nonce"`
		Created  string `xml:"Created"`
	} `xml:"Header>Security>UsernameToken"`
	Body struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"Body"`
}

type vec struct {
	X float64 `xml:"x,attr"`
	Y float64 `xml:"y,attr"`
}

type body struct {
	XMLName      xml.Name
	ProfileToken string `xml:"ProfileToken"`
	PresetToken  string `xml:"PresetToken"`
	PresetName   string `xml:"PresetName"`
	Velocity     struct {
		PanTilt vec `xml:"PanTilt"`
		Zoom    vec `xml:"Zoom"`
	} `xml:"Velocity"`
}

// digestOK checks the WS-UsernameToken digest: B64(SHA1(B64DECODE(nonce) + created + password)).
func (d *Device) digestOK(r *request) bool {
	tok := r.Token
	if tok.Username != d.User {
		return false
	}
	nonce, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tok.Nonce))
	if err != nil {
		return false
	}
	h := sha1.Sum([]byte(string(nonce) + strings.TrimSpace(tok.Created) + d.Password))
	return base64.StdEncoding.EncodeToString(h[:]) == strings.TrimSpace(tok.Password)
}

func (d *Device) serveSOAP(w http.ResponseWriter, hr *http.Request) {
	data, _ := io.ReadAll(io.LimitReader(hr.Body, 1<<20))
	var r request
	var b body
	if xml.Unmarshal(data, &r) != nil || xml.Unmarshal(bytes.TrimSpace(r.Body.Inner), &b) != nil {
		fault(w, http.StatusBadRequest, "not a SOAP request")
		return
	}
	if !d.digestOK(&r) {
		d.mu.Lock()
		d.authFailures++
		d.mu.Unlock()
		fault(w, http.StatusBadRequest, "Sender not Authorized")
		return
	}
	host := hr.Host
	op := b.XMLName.Local
	if want := servicePath(op); want != "" && hr.URL.Path != want {
		fault(w, http.StatusBadRequest, op+" sent to "+hr.URL.Path+", not "+want)
		return
	}
	// Like stricter cameras, refuse an empty coordinate space or an empty timeout.
	if bytes.Contains(data, []byte(`space=""`)) || bytes.Contains(data, []byte(`Timeout></`)) {
		fault(w, http.StatusBadRequest, "empty space attribute or Timeout element")
		return
	}
	switch op {
	case "GetCapabilities":
		reply(w, fmt.Sprintf(`<tds:GetCapabilitiesResponse><tds:Capabilities>
<tt:Device><tt:XAddr>http://%[1]s/onvif/device_service</tt:XAddr></tt:Device>
<tt:Media><tt:XAddr>http://%[1]s/onvif/media_service</tt:XAddr></tt:Media>
<tt:PTZ><tt:XAddr>http://%[1]s/onvif/ptz_service</tt:XAddr></tt:PTZ>
</tds:Capabilities></tds:GetCapabilitiesResponse>`, host))
	case "GetDeviceInformation":
		reply(w, `<tds:GetDeviceInformationResponse><tds:Manufacturer>`+Maker+`</tds:Manufacturer><tds:Model>`+Model+
			`</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion><tds:SerialNumber>F4K3</tds:SerialNumber><tds:HardwareId>1</tds:HardwareId></tds:GetDeviceInformationResponse>`)
	case "GetProfiles":
		reply(w, `<trt:GetProfilesResponse>`+
			profileXML("main", "MainStream", 1920, 1080, "H264")+profileXML("sub", "SubStream", 640, 360, "H264")+
			`</trt:GetProfilesResponse>`)
	case "GetStreamUri":
		uri := map[string]string{"main": d.MainURI, "sub": d.SubURI}[b.ProfileToken]
		if uri == "" {
			fault(w, http.StatusBadRequest, "no such profile")
			return
		}
		reply(w, `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>`+uri+`</tt:Uri><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`)
	case "ContinuousMove":
		v := b.Velocity
		d.record(Call{Op: op, Profile: b.ProfileToken, Pan: v.PanTilt.X, Tilt: v.PanTilt.Y, Zoom: v.Zoom.X})
		reply(w, `<tptz:ContinuousMoveResponse/>`)
	case "Stop":
		d.record(Call{Op: op, Profile: b.ProfileToken})
		reply(w, `<tptz:StopResponse/>`)
	case "GetPresets":
		d.mu.Lock()
		var sb strings.Builder
		for _, p := range d.presets {
			fmt.Fprintf(&sb, `<tptz:Preset token="%s"><tt:Name>%s</tt:Name></tptz:Preset>`, p.token, p.name)
		}
		d.mu.Unlock()
		reply(w, `<tptz:GetPresetsResponse>`+sb.String()+`</tptz:GetPresetsResponse>`)
	case "GotoPreset":
		d.record(Call{Op: op, Profile: b.ProfileToken, Preset: b.PresetToken})
		reply(w, `<tptz:GotoPresetResponse/>`)
	case "SetPreset":
		d.mu.Lock()
		tok := fmt.Sprint(len(d.presets) + 1)
		d.presets = append(d.presets, preset{tok, b.PresetName})
		d.mu.Unlock()
		d.record(Call{Op: op, Profile: b.ProfileToken, Name: b.PresetName, Preset: tok})
		reply(w, `<tptz:SetPresetResponse><tptz:PresetToken>`+tok+`</tptz:PresetToken></tptz:SetPresetResponse>`)
	default:
		fault(w, http.StatusBadRequest, "action not supported: "+op)
	}
}

// servicePath is the service an operation belongs to, as GetCapabilities announced it.
func servicePath(op string) string {
	switch op {
	case "GetProfiles", "GetStreamUri":
		return "/onvif/media_service"
	case "ContinuousMove", "Stop", "GetPresets", "GotoPreset", "SetPreset":
		return "/onvif/ptz_service"
	}
	return "/onvif/device_service"
}

func profileXML(token, name string, w, h int, enc string) string {
	return fmt.Sprintf(`<trt:Profiles token="%s" fixed="true"><tt:Name>%s</tt:Name><tt:VideoEncoderConfiguration token="v%[1]s">`+
		`<tt:Name>%[2]s</tt:Name><tt:Encoding>%s</tt:Encoding><tt:Resolution><tt:Width>%d</tt:Width><tt:Height>%d</tt:Height></tt:Resolution>`+
		`</tt:VideoEncoderConfiguration><tt:PTZConfiguration token="ptz0"/></trt:Profiles>`, token, name, enc, w, h)
}

const envOpen = `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
	`xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" ` +
	`xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" ` +
	`xmlns:ter="http://www.onvif.org/ver10/error"><s:Body>`
const envClose = `</s:Body></s:Envelope>`

func reply(w http.ResponseWriter, inner string) {
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	_, _ = io.WriteString(w, envOpen+inner+envClose)
}

func fault(w http.ResponseWriter, code int, reason string) {
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, envOpen+`<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code>`+
		`<s:Reason><s:Text xml:lang="en">`+reason+`</s:Text></s:Reason></s:Fault>`+envClose)
}

// serveDiscovery answers WS-Discovery probes on the loopback UDP socket until Close.
func (d *Device) serveDiscovery() {
	defer close(d.done)
	buf := make([]byte, 64<<10)
	for {
		n, from, err := d.udp.ReadFromUDP(buf)
		if err != nil {
			return
		}
		var probe struct {
			MessageID string    `xml:"Header>MessageID"`
			Probe     *struct{} `xml:"Body>Probe"`
		}
		if xml.Unmarshal(buf[:n], &probe) != nil || probe.Probe == nil {
			continue
		}
		msg := `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
			`xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">` +
			`<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>` +
			`<a:RelatesTo>` + strings.TrimSpace(probe.MessageID) + `</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch>` +
			`<a:EndpointReference><a:Address>urn:uuid:fake-onvif-device</a:Address></a:EndpointReference>` +
			`<d:Types>dn:NetworkVideoTransmitter</d:Types>` +
			`<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/mfr/Acme%20Optics ` +
			`onvif://www.onvif.org/hardware/` + Model + ` onvif://www.onvif.org/name/Porch</d:Scopes>` +
			`<d:XAddrs>http://` + d.Addr() + `/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>` +
			`</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`
		_, _ = d.udp.WriteToUDP([]byte(msg), from)
	}
}
