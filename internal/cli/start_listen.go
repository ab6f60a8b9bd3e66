package cli

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listen opens the web UI's address and says in one sentence what is wrong with it if it cannot.
// (Another nvrd on the same data directory is caught earlier, by the data directory's lock.)
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	var ae *net.AddrError
	var de *net.DNSError
	switch {
	case errors.As(err, &ae):
		return nil, fmt.Errorf("--listen %q is not a valid address (%s); give host:port, e.g. 127.0.0.1:8080 or :8080", addr, ae.Err)
	case errors.As(err, &de):
		return nil, fmt.Errorf("--listen %q is not a valid address: the host %q is unknown; give host:port, e.g. 127.0.0.1:8080 or :8080", addr, de.Name)
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("--listen %s is already in use by another program; stop it or choose another address", addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return nil, fmt.Errorf("--listen %s is not an address of this machine", addr)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("--listen %s is not allowed for this user (ports below 1024 need privileges)", addr)
	}
	return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
}
