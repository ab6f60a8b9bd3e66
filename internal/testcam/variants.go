package testcam

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/auth"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
)

// The RTSP variants a test camera can take (Options.Variant), shaped like the cameras people have
// (issue 14 item 6): which authentication it asks for, RTSP over TLS with a self-signed certificate,
// UDP when it refuses TCP interleaving, SPS/PPS only in the SDP, and RTP timestamps that jump.
type Variant struct {
	// Auth is the authentication the camera offers when User is set: "" (Basic and Digest, gortsplib's
	// default), AuthBasic or AuthDigest.
	Auth string
	// TLS serves RTSPS (rtsps://) with a self-signed certificate made at Start; see CertFingerprint.
	TLS bool
	// UDP lets clients take the UDP transport (RTP and RTCP on a loopback port pair).
	UDP bool
	// RefuseTCP answers a SETUP for RTP interleaved in the TCP connection with 461 Unsupported
	// Transport, as cameras do that only send UDP. Without UDP too, the camera refuses every transport.
	RefuseTCP bool
	// ParamsInSDP sends the parameter sets only in the SDP (H.264 sprop-parameter-sets; H.265
	// sprop-vps, sprop-sps, sprop-pps) and strips them from every access unit.
	ParamsInSDP bool
	// Jumps, when set, moves the RTP timestamps by each offset in turn (90 kHz units; negative is
	// backwards) every JumpEvery access units, like a camera that reboots or whose clock is set.
	Jumps     []int64
	JumpEvery int
}

// The authentication methods of Variant.Auth.
const (
	AuthBasic  = "basic"
	AuthDigest = "digest"
)

// configure applies the variant to a server before it starts.
func (s *Server) configure(srv *gortsplib.Server) error {
	v := s.opt.Variant
	switch v.Auth {
	case "":
	case AuthBasic:
		srv.AuthMethods = []auth.VerifyMethod{auth.VerifyMethodBasic}
	case AuthDigest:
		srv.AuthMethods = []auth.VerifyMethod{auth.VerifyMethodDigestMD5}
	default:
		return fmt.Errorf("test camera: unknown auth %q", v.Auth)
	}
	if v.TLS {
		if s.cert == nil {
			c, err := selfSigned()
			if err != nil {
				return err
			}
			s.cert = c
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*s.cert}}
	}
	if v.UDP {
		if s.udpRTP == "" {
			rtpAddr, rtcpAddr, err := udpPair()
			if err != nil {
				return err
			}
			s.udpRTP, s.udpRTCP = rtpAddr, rtcpAddr
		}
		srv.UDPRTPAddress, srv.UDPRTCPAddress = s.udpRTP, s.udpRTCP
	}
	return nil
}

// CertFingerprint is the SHA-256 of the camera's TLS certificate (DER) in lower-case hex, or "".
func (s *Server) CertFingerprint() string {
	if s.cert == nil || len(s.cert.Certificate) == 0 {
		return ""
	}
	sum := sha256.Sum256(s.cert.Certificate[0])
	return hex.EncodeToString(sum[:])
}

// scheme is the URL scheme the camera answers on.
func (s *Server) scheme() string {
	if s.opt.Variant.TLS {
		return "rtsps"
	}
	return "rtsp"
}

// refuseSetup is the answer to a SETUP the variant refuses, or nil.
func (s *Server) refuseSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) *base.Response {
	if s.opt.Variant.RefuseTCP && ctx.Transport == gortsplib.TransportTCP {
		return &base.Response{StatusCode: base.StatusUnsupportedTransport}
	}
	return nil
}

// h264Format is the announced H.264 format; with ParamsInSDP it carries the clip's SPS and PPS, which
// the access units then lack (see auOut).
func (s *Server) h264Format() *format.H264 {
	f := &format.H264{PayloadTyp: 96, PacketizationMode: 1}
	if s.opt.Variant.ParamsInSDP {
		for _, au := range s.opt.AUs {
			for _, n := range au {
				switch {
				case len(n) > 0 && n[0]&0x1f == 7 && f.SPS == nil:
					f.SPS = n
				case len(n) > 0 && n[0]&0x1f == 8 && f.PPS == nil:
					f.PPS = n
				}
			}
		}
	}
	return f
}

// h265Format is the announced H.265 format; with ParamsInSDP it carries the clip's VPS, SPS and PPS
// (sprop-vps, sprop-sps, sprop-pps), which the access units then lack (see auOut).
func (s *Server) h265Format() *format.H265 {
	f := &format.H265{PayloadTyp: 96}
	if s.opt.Variant.ParamsInSDP {
		for _, au := range s.opt.AUs {
			for _, n := range au {
				if len(n) == 0 {
					continue
				}
				switch (n[0] >> 1) & 0x3f {
				case 32:
					if f.VPS == nil {
						f.VPS = n
					}
				case 33:
					if f.SPS == nil {
						f.SPS = n
					}
				case 34:
					if f.PPS == nil {
						f.PPS = n
					}
				}
			}
		}
	}
	return f
}

// auOut is the access unit as the camera sends it: without its parameter sets (H.264 SPS/PPS, H.265
// VPS/SPS/PPS) for ParamsInSDP.
func (s *Server) auOut(au [][]byte) [][]byte {
	if !s.opt.Variant.ParamsInSDP {
		return au
	}
	out := make([][]byte, 0, len(au))
	for _, n := range au {
		if len(n) > 0 && isParamSet(n, s.opt.H265) {
			continue
		}
		out = append(out, n)
	}
	return out
}

// isParamSet reports whether the NAL unit n is a parameter set: H.264 SPS or PPS (types 7, 8), H.265
// VPS, SPS or PPS (types 32–34).
func isParamSet(n []byte, h265 bool) bool {
	if h265 {
		t := (n[0] >> 1) & 0x3f
		return t >= 32 && t <= 34
	}
	return n[0]&0x1f == 7 || n[0]&0x1f == 8
}

// tsOffset is the RTP timestamp offset of access unit n (counted from the start) under Jumps.
func (s *Server) tsOffset(n uint64) int64 {
	v := s.opt.Variant
	if len(v.Jumps) == 0 || v.JumpEvery <= 0 {
		return 0
	}
	var off int64
	for i := uint64(0); i < n/uint64(v.JumpEvery); i++ {
		off += v.Jumps[i%uint64(len(v.Jumps))]
	}
	return off
}

// selfSigned makes an ECDSA P-256 certificate for 127.0.0.1, as a camera makes its own.
func selfSigned() (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "IPC test camera"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// udpPair finds a free even/odd UDP port pair on loopback for RTP and RTCP.
func udpPair() (string, string, error) {
	for i := 0; i < 100; i++ {
		a, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return "", "", err
		}
		port := a.LocalAddr().(*net.UDPAddr).Port
		a.Close()
		if port%2 == 1 {
			port--
		}
		ra, err1 := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		rb, err2 := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port+1))
		if ra != nil {
			ra.Close()
		}
		if rb != nil {
			rb.Close()
		}
		if err1 == nil && err2 == nil {
			return "127.0.0.1:" + strconv.Itoa(port), "127.0.0.1:" + strconv.Itoa(port+1), nil
		}
	}
	return "", "", fmt.Errorf("test camera: no free UDP port pair on 127.0.0.1")
}
