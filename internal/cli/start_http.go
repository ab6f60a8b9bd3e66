package cli

import (
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/nvrproject/nvr/internal/api"
)

// addHTTPFlags adds the web server's flags: extra host names and the connection timeouts.
func addHTTPFlags(cmd *cobra.Command, f *startFlags) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.allowHosts, "allow-host", nil, "a host name the web UI answers to besides the listen address, localhost and this machine's name (repeatable)")
	fl.DurationVar(&f.http.ReadHeaderTimeout, "http-header-timeout", api.DefaultReadHeaderTimeout, "time a client has to send a request's headers")
	fl.DurationVar(&f.http.ReadTimeout, "http-read-timeout", api.DefaultReadTimeout, "time a client has to send a whole request, headers and body")
	fl.DurationVar(&f.http.WriteTimeout, "http-write-timeout", api.DefaultWriteTimeout, "time to send an answer (live video, exports and segments: time for each write)")
	fl.DurationVar(&f.http.IdleTimeout, "http-idle-timeout", api.DefaultIdleTimeout, "time an idle kept-alive connection stays open")
}

// listenLimited raises the open-file limit to the hard limit and listens on addr with connection caps
// derived from it, so HTTP clients can never take the descriptors recording, FIFOs and the database need.
func listenLimited(addr string, log *slog.Logger) (net.Listener, error) {
	limit, err := api.RaiseFileLimit()
	if err != nil {
		log.Warn("cannot raise the open-file limit", "err", err)
	}
	caps := api.LimitsForFiles(limit)
	ln, err := listen(addr)
	if err != nil {
		return nil, err
	}
	log.Info("HTTP connection caps", "open_file_limit", limit, "max_conns", caps.Total, "max_conns_per_addr", caps.PerAddr)
	return api.LimitListener(ln, caps, log), nil
}
