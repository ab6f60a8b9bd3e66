package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/nvrproject/nvr/internal/app"
	"github.com/nvrproject/nvr/internal/store"
)

func init() { extraCommands = append(extraCommands, newBackupCmd, newRestoreCmd) }

func newBackupCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "backup [FILE]",
		Short: "copy the settings, cameras, users and tokens to FILE (default: today's file in DATA/backups); safe while nvrd runs",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			ctx := context.Background()
			var path string
			if len(args) == 1 {
				path = args[0]
				err = st.Backup(ctx, path)
			} else {
				path, err = st.AutoBackup(ctx, g.dataDir, time.Now())
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "settings backed up to %s\n", path)
			return nil
		},
	}
}

func newRestoreCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "make a backup the database (nvrd must be stopped); the recordings index is rebuilt from disk at the next start",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			inst, err := app.Lock(g.dataDir)
			if err != nil {
				var running *app.AlreadyRunningError
				if errors.As(err, &running) {
					return fmt.Errorf("cannot restore while nvr runs on %s: stop it first", g.dataDir)
				}
				return err
			}
			defer inst.Close()
			from, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			replaced, err := store.Restore(context.Background(), g.dataDir, from)
			if err != nil {
				return err
			}
			msg := fmt.Sprintf("restored %s", from)
			if replaced != "" {
				msg += "; the previous database is kept as " + replaced
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg+"; recordings are indexed from disk at the next start")
			return nil
		},
	}
}
