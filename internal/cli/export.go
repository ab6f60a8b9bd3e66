package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nvrproject/nvr/internal/app"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/manifest"
	"github.com/nvrproject/nvr/pkg/segments"
)

func init() { extraCommands = append(extraCommands, newExportCmd) }

func newExportCmd(g *globalFlags) *cobra.Command {
	var camera, sinceS, untilS, out string
	cmd := &cobra.Command{
		Use:   "export --camera NAME --since TIME --until TIME [-o FILE.mp4]",
		Short: "write a camera's recordings over a span to an MP4 file (no re-encoding)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			since, err := parseCLITime("--since", sinceS)
			if err != nil {
				return err
			}
			until, err := parseCLITime("--until", untilS)
			if err != nil {
				return err
			}
			if !until.After(since) {
				return errors.New("--until must be after --since")
			}
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			ctx := context.Background()
			c, err := st.CameraByName(ctx, camera)
			if err != nil {
				if c, err = st.Camera(ctx, camera); err != nil {
					return fmt.Errorf("there is no camera named %q", camera)
				}
			}
			sp, err := recorder.FindFootage(ctx, st, filepath.Join(g.dataDir, "recordings"), c.ID, since, until)
			if err != nil {
				return fmt.Errorf("camera %s: %w", c.Name, err)
			}
			if out == "" {
				out = segments.ExportName(c.ID, sp.Start)
			}
			tmp := out + ".part"
			f, err := os.Create(tmp)
			if err != nil {
				return fmt.Errorf("cannot create %s: %w", tmp, err)
			}
			signer, err := app.OpenSigner(g.dataDir)
			if err != nil {
				f.Close()
				os.Remove(tmp)
				return err
			}
			hw, fill := manifest.Hasher()
			bar := progressBar(cmd.ErrOrStderr())
			err = segments.ExportMP4(io.MultiWriter(f, hw), sp.Paths, bar)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			fmt.Fprintln(cmd.ErrOrStderr())
			if err != nil {
				os.Remove(tmp)
				return err
			}
			if err := os.Rename(tmp, out); err != nil {
				return err
			}
			if err := writeExportSig(signer, out, c, sp.Start, sp.End, fill); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s of %s recorded between %s and %s\n", out, sp.Footage().Round(time.Second),
				c.Name, sp.Start.Local().Format("2006-01-02 15:04:05"), sp.End.Local().Format("15:04:05"))
			return nil
		},
	}
	cmd.Flags().StringVar(&camera, "camera", "", "camera name (or id)")
	cmd.Flags().StringVar(&sinceS, "since", "", "start: RFC 3339 (2026-11-25T10:00:00Z), Unix seconds, or a duration ago (10m)")
	cmd.Flags().StringVar(&untilS, "until", "now", "end, same forms as --since")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output file (default CAMERA_YYYYMMDD-HHMMSS.mp4, the first frame in UTC)")
	_ = cmd.MarkFlagRequired("camera")
	_ = cmd.MarkFlagRequired("since")
	return cmd
}

func parseCLITime(flag, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "now" {
		return time.Now(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 0 {
		return time.Unix(0, int64(n*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("%s %q is not a time: use RFC 3339 (2026-11-25T10:00:00Z), Unix seconds or a duration ago (10m)", flag, v)
}

// progressBar draws "[#####     ] 12/40 segments" on w, redrawn in place when w is a terminal; into a
// file or pipe (a script's log) it writes only the final state.
func progressBar(w io.Writer) func(done, total int) {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return func(done, total int) {
		if total <= 0 || (!tty && done < total) {
			return
		}
		const width = 30
		fill := done * width / total
		fmt.Fprintf(w, "\r[%s%s] %d/%d segments", strings.Repeat("#", fill), strings.Repeat(" ", width-fill), done, total)
	}
}
