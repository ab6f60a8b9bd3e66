package supervisor

import "github.com/nvrproject/nvr/pkg/ipc"

// mediaStatus takes a worker's stream facts (from the IPC reader). nvr accepts an rtsps:// camera's
// certificate whatever it is and records its fingerprint (the policy is in internal/worker/variants.go);
// a certificate that differs from the one an earlier worker of this camera saw is logged at WARN, so a
// reset camera — or someone in between — leaves a trace a person can check.
func (c *Camera) mediaStatus(st *ipc.Status) {
	c.mu.Lock()
	prev := c.tlsSeen
	if st.TLSFingerprint != "" {
		c.tlsSeen = st.TLSFingerprint
	}
	c.media = *st
	c.mu.Unlock()
	if prev != "" && st.TLSFingerprint != "" && prev != st.TLSFingerprint {
		c.log.Warn("the camera's TLS certificate changed since its last connection (accepted, as cameras make new ones on a reset; compare the fingerprint with the camera's own page)",
			"was_sha256", prev, "sha256", st.TLSFingerprint)
	}
}
