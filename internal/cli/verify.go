package cli

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/manifest"
)

func init() { extraCommands = append(extraCommands, newVerifyCmd) }

// writeExportSig writes out+".sig": the signed manifest of the export just written to out.
func writeExportSig(signer *manifest.Signer, out string, c *store.Camera, start, end time.Time, fill func(*manifest.Manifest)) error {
	m := manifest.Manifest{File: filepath.Base(out), Camera: c.ID, Name: c.Name, Start: start.UTC(), End: end.UTC()}
	fill(&m)
	sig, err := signer.Sign(m)
	if err != nil {
		return fmt.Errorf("sign the export: %w", err)
	}
	if err := os.WriteFile(out+".sig", sig, 0o644); err != nil {
		return fmt.Errorf("write the export's signature: %w", err)
	}
	return nil
}

func newVerifyCmd(g *globalFlags) *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "verify CLIP.mp4 CLIP.mp4.sig",
		Short: "check an export against its signed manifest (file hash, camera, span, instance)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var trusted ed25519.PublicKey
			if key != "" {
				v := key
				if b, err := os.ReadFile(key); err == nil {
					v = string(b)
				}
				k, err := manifest.DecodeKey(v)
				if err != nil {
					return fmt.Errorf("--key: %w", err)
				}
				trusted = k
			}
			sig, err := os.ReadFile(args[1])
			if err != nil {
				return fmt.Errorf("read the signature: %w", err)
			}
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("read the clip: %w", err)
			}
			defer f.Close()
			m, err := manifest.Verify(f, sig, trusted)
			if err != nil {
				return fmt.Errorf("%s is NOT valid: %w", args[0], err)
			}
			by := "the key inside the signature file"
			if trusted != nil {
				by = "the key given with --key"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is valid: camera %s (%s), %s to %s, exported by %s, signed with %s (fingerprint %s)\n",
				args[0], m.Name, m.Camera, m.Start.Format(time.RFC3339), m.End.Format(time.RFC3339), m.Instance, by, manifest.Fingerprint(trustedOr(trusted, sig)))
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the nvr's public key (base64, or a file holding it; GET /api/system/signing-key) the manifest must be signed with")
	return cmd
}

// trustedOr is the key that checked the manifest.
func trustedOr(trusted ed25519.PublicKey, sig []byte) ed25519.PublicKey {
	if trusted != nil {
		return trusted
	}
	return manifest.SignatureKey(sig)
}
