package onvif

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// MulticastAddr is where WS-Discovery probes go on a real network.
const MulticastAddr = "239.255.255.250:3702"

// Device is one device that answered a probe.
type Device struct {
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	Name         string `json:"name,omitempty"`
	// Address is the device service's host:port (what Target.Addr takes).
	Address string `json:"address"`
	// XAddrs are the device service URLs it announced.
	XAddrs []string `json:"xaddrs"`
	// Profiles are its media profiles, when discovery was given an account (Service.Discover).
	Profiles []Profile `json:"profiles,omitempty"`
	// Error says why the profiles are missing when an account was given.
	Error string `json:"error,omitempty"`
}

// probeMsg is a WS-Discovery Probe for NetworkVideoTransmitter devices; %s is its message ID.
const probeMsg = `<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">
<s:Header><a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action><a:MessageID>urn:uuid:%s</a:MessageID><a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>
<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`

// probeMatches is the part of a ProbeMatches answer read here.
type probeMatches struct {
	RelatesTo string `xml:"Header>RelatesTo"`
	Matches   []struct {
		Scopes string `xml:"Scopes"`
		XAddrs string `xml:"XAddrs"`
	} `xml:"Body>ProbeMatches>ProbeMatch"`
}

func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Discover sends one WS-Discovery probe to addr (MulticastAddr on a real network; a unicast
// host:port in tests) and collects the answers until wait has passed or ctx ends. Devices are
// listed once each, by address, in the order they answered.
func Discover(ctx context.Context, addr string, wait time.Duration) ([]Device, error) {
	dst, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return nil, fmt.Errorf("discovery address %q: %w", addr, err)
	}
	local := &net.UDPAddr{}
	if dst.IP.IsLoopback() {
		local.IP = net.IPv4(127, 0, 0, 1)
	}
	conn, err := net.ListenUDP("udp4", local)
	if err != nil {
		return nil, fmt.Errorf("cannot open a UDP socket for discovery: %w", err)
	}
	defer conn.Close()
	id := uuid4()
	if _, err := conn.WriteToUDP([]byte(fmt.Sprintf(probeMsg, id)), dst); err != nil {
		return nil, fmt.Errorf("cannot send the discovery probe to %s: %w", addr, err)
	}
	deadline := time.Now().Add(wait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetReadDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()

	var out []Device
	seen := map[string]bool{}
	buf := make([]byte, 64<<10)
	for {
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return out, nil
			}
			return out, fmt.Errorf("reading discovery answers: %w", err)
		}
		var pm probeMatches
		if xml.Unmarshal(buf[:n], &pm) != nil {
			continue // not a SOAP answer: ignore
		}
		if rel := strings.TrimPrefix(strings.TrimSpace(pm.RelatesTo), "urn:uuid:"); rel != "" && rel != id {
			continue // an answer to someone else's probe
		}
		for _, m := range pm.Matches {
			d := parseMatch(m.Scopes, m.XAddrs)
			if d.Address == "" || seen[d.Address] {
				continue
			}
			seen[d.Address] = true
			out = append(out, d)
		}
	}
}

// parseMatch reads a device's maker, model and name from its ONVIF scopes and its address from
// the first XAddr.
func parseMatch(scopes, xaddrs string) Device {
	var d Device
	for _, x := range strings.Fields(xaddrs) {
		if u, err := url.Parse(x); err == nil && u.Host != "" {
			d.XAddrs = append(d.XAddrs, x)
			if d.Address == "" {
				d.Address = u.Host
			}
		}
	}
	for _, s := range strings.Fields(scopes) {
		rest, ok := strings.CutPrefix(s, "onvif://www.onvif.org/")
		if !ok {
			continue
		}
		key, val, _ := strings.Cut(rest, "/")
		if v, err := url.PathUnescape(val); err == nil {
			val = v
		}
		switch strings.ToLower(key) {
		case "mfr", "manufacturer":
			d.Manufacturer = val
		case "hardware", "model":
			d.Model = val
		case "name":
			d.Name = val
		}
	}
	if d.Manufacturer == "" {
		d.Manufacturer = d.Name // many cameras put the maker in name/
	}
	return d
}
