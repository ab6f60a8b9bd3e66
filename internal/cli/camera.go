package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/redact"
)

func init() { extraCommands = append(extraCommands, newCameraCmd) }

func newCameraCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "camera", Short: "add, list and remove cameras (a running nvrd picks changes up within 2 s)"}
	var name, url, record, subURL string
	add := &cobra.Command{
		Use:   "add",
		Short: "add a camera",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			c := &store.Camera{Name: name, URL: url, Enabled: true, CameraSettings: store.DefaultSettings()}
			c.SubURL = subURL
			if record != "" {
				c.Record.Mode = record
			}
			if err := st.CreateCamera(context.Background(), c); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added camera %q (id %s)\n", c.Name, c.ID)
			return nil
		},
	}
	add.Flags().StringVar(&name, "name", "", "camera name")
	add.Flags().StringVar(&url, "url", "", "rtsp://user:password@host:554/path")
	add.Flags().StringVar(&record, "record", "", "events, continuous or off (default events)")
	add.Flags().StringVar(&subURL, "sub-url", "", "the camera's substream (rtsp://...), for analysis and the grid tiles")
	_ = add.MarkFlagRequired("name")
	_ = add.MarkFlagRequired("url")

	list := &cobra.Command{
		Use:   "list",
		Short: "list cameras",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			cams, err := st.Cameras(context.Background())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tENABLED\tRECORD\tURL")
			for _, c := range cams {
				// Names stored before validation existed may hold control characters: escaped, never raw.
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\n", c.ID, store.Printable(c.Name), c.Enabled, c.Record.Mode, store.Printable(redact.URL(c.URL)))
			}
			return tw.Flush()
		},
	}
	rm := &cobra.Command{
		Use:   "rm NAME",
		Short: "remove a camera (its recordings stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			c, err := st.CameraByName(context.Background(), args[0])
			if err != nil {
				return fmt.Errorf("there is no camera named %q", args[0])
			}
			if err := st.DeleteCamera(context.Background(), c.ID); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed camera %q\n", c.Name)
			return nil
		},
	}
	cmd.AddCommand(add, list, rm)
	return cmd
}
