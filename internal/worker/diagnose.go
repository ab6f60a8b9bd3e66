package worker

import (
	"context"
	"errors"
	"net"
	"net/url"
	"syscall"
	"time"
)

// diagnoseConnect finds out why a connection to the camera failed, since GStreamer only says "Failed to
// connect": it resolves the host and dials its port, and names the first thing that fails.
func diagnoseConnect(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return "camera URL has no host"
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = "554"
		if u.Scheme == "rtsps" {
			port = "322"
		}
	}
	addr := net.JoinHostPort(host, port)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if net.ParseIP(host) == nil {
		if _, err := net.DefaultResolver.LookupHost(ctx, host); err != nil {
			return "could not resolve host " + host + " (check the camera's address)"
		}
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		conn.Close()
		return "could not connect to the camera at " + addr
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused by " + addr + " (nothing listens on that port)"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to " + addr
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer from " + addr + " (timed out; is the camera on and reachable?)"
	}
	return "could not connect to " + addr + ": " + err.Error()
}
