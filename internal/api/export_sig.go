package api

import (
	"crypto/ed25519"
	"net/http"
	"time"

	"github.com/nvrproject/nvr/pkg/manifest"
	"github.com/nvrproject/nvr/pkg/segments"
)

// ExportSigner signs export manifests with the instance's key (*manifest.Signer in nvrd).
type ExportSigner interface {
	Sign(m manifest.Manifest) ([]byte, error)
	PublicKey() ed25519.PublicKey
	InstanceID() string
}

// exportSig answers the signed manifest of the MP4 that export.mp4 gives for the same query. The
// export is deterministic (same segments, same bytes), so it is made again here into a hash rather
// than kept: the file and its .sig are two downloads of one span, as a browser link can fetch them.
func (s *Server) exportSig(w http.ResponseWriter, r *http.Request) {
	if s.opt.Signer == nil {
		writeError(w, http.StatusServiceUnavailable, "this nvr has no signing key")
		return
	}
	c, _, _, sp, ok := s.exportSpan(w, r)
	if !ok {
		return
	}
	// Hashing a long span takes a while: the deadline is renewed as segments are read.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	d := s.writeTimeout
	if d <= 0 {
		d = DefaultWriteTimeout
	}
	renew := func(int, int) { _ = rc.SetWriteDeadline(time.Now().Add(d)) }
	renew(0, 0)
	hw, fill := manifest.Hasher()
	if err := segments.ExportMP4(hw, sp.Paths, renew); err != nil {
		writeError(w, http.StatusInternalServerError, "cannot make the export to sign: "+err.Error())
		return
	}
	name := exportName(c.ID, sp)
	m := manifest.Manifest{File: name, Camera: c.ID, Name: c.Name, Start: sp.Start.UTC(), End: sp.End.UTC()}
	fill(&m)
	sig, err := s.opt.Signer.Sign(m)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot sign the export: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.sig"`)
	_, _ = w.Write(sig)
}

// exportName is the file name an export offers (segments.ExportName: <camera>_<YYYYMMDD-HHMMSS>.mp4).
func exportName(cameraID string, sp FootageSpan) string {
	return segments.ExportName(cameraID, sp.Start)
}

// signingKey answers the public key export manifests are signed with, for `nvrd verify --key`.
func (s *Server) signingKey(w http.ResponseWriter, r *http.Request) {
	if s.opt.Signer == nil {
		writeError(w, http.StatusServiceUnavailable, "this nvr has no signing key")
		return
	}
	pub := s.opt.Signer.PublicKey()
	writeJSON(w, http.StatusOK, map[string]string{"algorithm": "ed25519", "public_key": manifest.EncodeKey(pub),
		"fingerprint": manifest.Fingerprint(pub), "instance": s.opt.Signer.InstanceID()})
}
