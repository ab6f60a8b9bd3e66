package api

import (
	"context"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"
)

// pprofRoutes are Go's runtime profiles (net/http/pprof) under /debug/pprof, for administrators only:
// a CPU profile of a running nvrd (go tool pprof http://host/debug/pprof/profile?seconds=30 with an
// admin token in an Authorization header) shows where its time goes.
func (s *Server) pprofRoutes() []Route {
	return []Route{
		{"GET", "/debug/pprof/", Admin, pprof.Index},
		{"GET", "/debug/pprof/cmdline", Admin, pprof.Cmdline},
		{"GET", "/debug/pprof/profile", Admin, s.pprofTimed(pprof.Profile)},
		{"GET", "/debug/pprof/symbol", Admin, pprof.Symbol},
		{"POST", "/debug/pprof/symbol", Admin, pprof.Symbol},
		{"GET", "/debug/pprof/trace", Admin, s.pprofTimed(pprof.Trace)},
		{"GET", "/debug/pprof/{name}", Admin, pprof.Index}, // heap, goroutine, allocs, block, mutex, threadcreate
	}
}

// pprofTimed lets a profile that runs for ?seconds= (default 30, as net/http/pprof) outlast the
// server's WriteTimeout: the write deadline is moved past the profile's end, and the handler is not
// shown the server (net/http/pprof refuses a duration at or above its WriteTimeout).
func (s *Server) pprofTimed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sec, err := strconv.ParseFloat(r.FormValue("seconds"), 64)
		if err != nil || sec <= 0 {
			sec = 30
		}
		d := s.writeTimeout
		if d <= 0 {
			d = DefaultWriteTimeout
		}
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Now().Add(time.Duration(sec*float64(time.Second)) + d))
		h(w, r.WithContext(context.WithValue(r.Context(), http.ServerContextKey, nil)))
	}
}
