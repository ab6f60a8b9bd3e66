package app

import (
	"path/filepath"

	"github.com/nvrproject/nvr/pkg/manifest"
)

// SigningKeyFile is the Ed25519 key export manifests are signed with, in the data directory (0600),
// made on first run.
const SigningKeyFile = "signing.key"

// OpenSigner loads (or makes) the data directory's export signing key.
func OpenSigner(dataDir string) (*manifest.Signer, error) {
	return manifest.LoadOrCreateKey(filepath.Join(dataDir, SigningKeyFile))
}
