// Package cli holds nvrd's cobra commands. cmd/nvrd only calls Execute.
package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// Version is nvrd's version, set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// globalFlags are the flags every command takes.
type globalFlags struct {
	dataDir string
}

// defaultDataDir is $XDG_DATA_HOME/nvr, else ~/.local/share/nvr.
func defaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "nvr")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".", "nvr-data")
	}
	return filepath.Join(home, ".local", "share", "nvr")
}

// NewRoot builds the nvrd command tree.
func NewRoot() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "nvrd",
		Short:         "nvr: a network video recorder",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.dataDir, "data-dir", defaultDataDir(), "directory for the database and recordings")
	root.AddCommand(
		&cobra.Command{
			Use:   "version",
			Short: "print the version",
			Args:  cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) {
				fmt.Fprintln(cmd.OutOrStdout(), "nvrd", Version)
			},
		},
	)
	for _, add := range extraCommands {
		root.AddCommand(add(g))
	}
	return root
}

// extraCommands are registered by the command files of this package (start.go, camera.go, detect.go, ...)
// in their init functions, so each command lives in its own file.
var extraCommands []func(*globalFlags) *cobra.Command

// Execute runs nvrd and returns the process exit code. Errors are printed as one plain sentence.
func Execute() int {
	if err := NewRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "nvrd:", err)
		return 1
	}
	return 0
}
