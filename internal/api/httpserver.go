package api

import (
	"net/http"
	"time"
)

// HTTPOptions bound every phase of an HTTP connection, so a stranger's idle or slow sockets are closed
// by nvrd and never pile up. Zero fields take the defaults below.
type HTTPOptions struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing the answer of an ordinary route; streaming routes (live video,
	// exports, segments) instead get this long for each write to make progress.
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a kept-alive connection.
	IdleTimeout time.Duration
}

// Default HTTP timeouts.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
)

// WithDefaults fills zero fields with the defaults.
func (o HTTPOptions) WithDefaults() HTTPOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	return o
}

// NewHTTPServer returns an http.Server for h with every timeout set. Streaming routes lift the
// whole-answer write deadline themselves (see streamRoutes); the live WebSocket keeps its own.
func NewHTTPServer(h http.Handler, o HTTPOptions) *http.Server {
	o = o.WithDefaults()
	if s, ok := h.(*Server); ok {
		s.writeTimeout = o.WriteTimeout
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// streamRoutes answer for as long as the footage lasts: they must not be cut by the server's
// WriteTimeout. Each write instead gets WriteTimeout to make progress, so a stalled reader is still
// dropped. The live WebSocket is hijacked (its own per-message deadline), so it only needs the read
// deadline lifted, which the WebSocket upgrade does.
var streamRoutes = map[string]bool{
	"GET /api/cameras/{id}/export.mp4":          true,
	"GET /api/recordings/{rec}/segments/{file}": true,
	"GET /api/cameras/{id}/recordings.m3u8":     true,
	"GET /api/recordings/{rec}/index.m3u8":      true,
	"GET /api/stream":                           true,
}

// streaming lifts the whole-answer deadlines of a streaming route: no read deadline (the routes are
// GETs without a body; net/http would otherwise cancel the request when ReadTimeout passes) and a
// write deadline renewed on every write.
func (s *Server) streaming(w http.ResponseWriter) http.ResponseWriter {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	pw := &progressWriter{ResponseWriter: w, rc: rc, d: s.writeTimeout}
	if pw.d <= 0 {
		pw.d = DefaultWriteTimeout
	}
	_ = rc.SetWriteDeadline(time.Now().Add(pw.d))
	return pw
}

// progressWriter renews the write deadline before each write.
type progressWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

func (p *progressWriter) Write(b []byte) (int, error) {
	_ = p.rc.SetWriteDeadline(time.Now().Add(p.d))
	return p.ResponseWriter.Write(b)
}

// Flush implements http.Flusher.
func (p *progressWriter) Flush() { _ = p.rc.Flush() }

// Unwrap lets http.ResponseController reach the connection.
func (p *progressWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }
