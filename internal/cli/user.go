package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
)

func init() { extraCommands = append(extraCommands, newUserCmd, newTokenCmd) }

// readPassword reads the password (never a command-line argument). At a terminal it asks twice without
// echo; otherwise it reads one line from stdin (echo 'pass' | nvrd user add ...).
func readPassword(in io.Reader, out io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return readPasswordTerminal(int(f.Fd()), out)
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input (pipe it in: echo 'pass' | nvrd user add ...)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// readPasswordTerminal asks for the password twice at the terminal fd, without echo.
func readPasswordTerminal(fd int, out io.Writer) (string, error) {
	var pw [2]string
	for i, prompt := range []string{"password: ", "password again: "} {
		fmt.Fprint(out, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(out)
		if err != nil {
			return "", fmt.Errorf("cannot read the password from the terminal: %w", err)
		}
		pw[i] = string(b)
	}
	if pw[0] != pw[1] {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return pw[0], nil
}

func newUserCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "manage users (password read from standard input)"}
	var role, cams string
	var record, ptz bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "add a user",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			ctx := context.Background()
			u := &store.User{Name: args[0], Role: role, Cameras: map[string]store.Perm{}}
			if err := store.ValidateUserName(u.Name); err != nil {
				return err
			}
			if role != store.RoleAdmin && role != store.RoleViewer {
				return fmt.Errorf("--role must be admin or viewer, not %q", role)
			}
			for _, name := range strings.Split(cams, ",") {
				if name = strings.TrimSpace(name); name == "" {
					continue
				}
				c, err := st.CameraByName(ctx, name)
				if err != nil {
					return fmt.Errorf("there is no camera named %q", name)
				}
				u.Cameras[c.ID] = store.Perm{Live: true, Recordings: true, Record: record, PTZ: ptz}
			}
			pw, err := readPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if u.PasswordHash, err = auth.HashPassword(pw); err != nil {
				return err
			}
			if err := st.CreateUser(ctx, u); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %s %q\n", u.Role, u.Name)
			return nil
		},
	}
	add.Flags().StringVar(&role, "role", store.RoleViewer, "admin or viewer")
	add.Flags().StringVar(&cams, "cameras", "", "cameras a viewer may see, by name, comma-separated")
	add.Flags().BoolVar(&record, "record", false, "the viewer may also start recordings on those cameras")
	add.Flags().BoolVar(&ptz, "ptz", false, "the viewer may also pan, tilt, zoom and use presets on those cameras")

	list := &cobra.Command{
		Use:   "list",
		Short: "list users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			users, err := st.Users(context.Background())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tCAMERAS")
			for _, u := range users {
				var ids []string
				for id := range u.Cameras {
					ids = append(ids, id)
				}
				sort.Strings(ids)
				c := strings.Join(ids, ",")
				if u.Role == store.RoleAdmin {
					c = "(all)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, u.Role, c)
			}
			return tw.Flush()
		},
	}
	rm := &cobra.Command{
		Use:   "rm NAME",
		Short: "remove a user, their tokens and sessions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.DeleteUser(context.Background(), args[0]); err != nil {
				return fmt.Errorf("there is no user named %q", args[0])
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed user %q\n", args[0])
			return nil
		},
	}
	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "set a user's password (ends their sessions)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			pw, err := readPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			hash, err := auth.HashPassword(pw)
			if err != nil {
				return err
			}
			if err := st.SetUserPassword(context.Background(), args[0], hash); err != nil {
				return fmt.Errorf("there is no user named %q", args[0])
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %q changed\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(add, list, rm, passwd)
	return cmd
}

func newTokenCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "API tokens for scripts (Authorization: Bearer ...)"}
	var label string
	create := &cobra.Command{
		Use:   "create USER",
		Short: "create an API token for USER and print it (it is shown only once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			tok, err := auth.New(st).NewToken(context.Background(), args[0], label)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	create.Flags().StringVar(&label, "label", "", "a name to tell tokens apart when revoking")
	revoke := &cobra.Command{
		Use:   "revoke USER",
		Short: "revoke USER's tokens (all, or the one with --label)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.Open(g.dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := st.RevokeTokens(context.Background(), args[0], label)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %d token(s)\n", n)
			return nil
		},
	}
	revoke.Flags().StringVar(&label, "label", "", "revoke only the token with this label")
	cmd.AddCommand(create, revoke)
	return cmd
}
