package api

import (
	"log/slog"
	"net"
	"sync"
	"time"
)

// ConnLimits cap the HTTP connections nvrd holds open.
type ConnLimits struct {
	Total   int // all connections
	PerAddr int // connections from one remote IP address
}

// Connection caps.
const (
	// DefaultPerAddr is generous for one browser with a wall of cameras (each live view is a socket).
	DefaultPerAddr = 64
	// maxTotalConns bounds the total even when the file limit is huge.
	maxTotalConns = 4096
	// minReserve file descriptors are always left to recording, FIFOs, workers and the database.
	minReserve = 256
)

// LimitsForFiles derives the connection caps from the process's file-descriptor limit: a reserve of
// max(256, limit/4) descriptors stays for recording, and each HTTP connection may hold two (its
// socket and a file it serves), so the connections together never take the reserve.
func LimitsForFiles(limit uint64) ConnLimits {
	reserve := max(uint64(minReserve), limit/4)
	total := 16
	if limit > reserve {
		total = max(total, int(min((limit-reserve)/2, maxTotalConns)))
	}
	return ConnLimits{Total: total, PerAddr: min(DefaultPerAddr, total)}
}

// LimitListener wraps ln so that at most l.Total connections, and l.PerAddr from one IP address, are
// open at once. A connection over a cap is accepted and closed at once (the kernel's queue is kept
// empty), with a rate-limited log line.
func LimitListener(ln net.Listener, l ConnLimits, log *slog.Logger) net.Listener {
	if log == nil {
		log = slog.Default()
	}
	return &limitListener{Listener: ln, lim: l, byAddr: map[string]int{}, log: log}
}

type limitListener struct {
	net.Listener
	lim ConnLimits
	log *slog.Logger

	mu       sync.Mutex
	open     int
	byAddr   map[string]int
	refused  int
	lastWarn time.Time
}

// Accept returns the next connection within the caps.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := remoteHost(c)
		l.mu.Lock()
		if l.open >= l.lim.Total || l.byAddr[host] >= l.lim.PerAddr {
			l.refused++
			warn := time.Since(l.lastWarn) > 10*time.Second
			var n, open int
			if warn {
				l.lastWarn, n, l.refused, open = time.Now(), l.refused, 0, l.open
			}
			l.mu.Unlock()
			_ = c.Close()
			if warn {
				l.log.Warn("HTTP connections refused: over the connection cap", "refused", n, "addr", host,
					"open", open, "cap_total", l.lim.Total, "cap_per_addr", l.lim.PerAddr)
			}
			continue
		}
		l.open++
		l.byAddr[host]++
		l.mu.Unlock()
		return &limitConn{Conn: c, l: l, host: host}, nil
	}
}

// Open returns the number of open connections (tests, metrics).
func (l *limitListener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

func (l *limitListener) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[host]--; l.byAddr[host] <= 0 {
		delete(l.byAddr, host)
	}
}

func remoteHost(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// limitConn gives its slot back once, on the first Close.
type limitConn struct {
	net.Conn
	l    *limitListener
	host string
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.host) })
	return err
}
