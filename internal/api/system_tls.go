package api

import "net/http"

// TLSInfo is what GET /api/system/tls tells about nvrd's HTTPS certificate, so a user can compare the
// fingerprint their browser shows with the one nvrd printed.
type TLSInfo struct {
	HTTPS bool `json:"https"`
	// CertificateSHA256 is the certificate's SHA-256 fingerprint (hex pairs, as browsers show it).
	CertificateSHA256 string `json:"certificate_sha256,omitempty"`
	// SPKISHA256 is the base64 SHA-256 of its public key (Chromium's --ignore-certificate-errors-spki-list).
	SPKISHA256 string `json:"spki_sha256,omitempty"`
	// SelfSigned is true for the certificate nvrd made itself (no --tls-cert).
	SelfSigned bool `json:"self_signed,omitempty"`
}

// systemTLS answers the serving certificate's fingerprints (any user: the certificate is public).
func (s *Server) systemTLS(w http.ResponseWriter, _ *http.Request) {
	var info TLSInfo
	if s.opt.TLS != nil {
		info = s.opt.TLS()
	}
	writeJSON(w, http.StatusOK, info)
}
