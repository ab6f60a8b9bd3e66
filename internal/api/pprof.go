package api

import "net/http/pprof"

// pprofRoutes are Go's runtime profiles (net/http/pprof) under /debug/pprof, for administrators only:
// a CPU profile of a running nvrd (go tool pprof http://host/debug/pprof/profile?seconds=30 with an
// admin token in an Authorization header) shows where its time goes. A timed profile moves
// its own write deadline past its end (net/http/pprof does), so the server's WriteTimeout does not cut it.
func (s *Server) pprofRoutes() []Route {
	return []Route{
		{"GET", "/debug/pprof/", Admin, pprof.Index},
		{"GET", "/debug/pprof/cmdline", Admin, pprof.Cmdline},
		{"GET", "/debug/pprof/profile", Admin, pprof.Profile},
		{"GET", "/debug/pprof/symbol", Admin, pprof.Symbol},
		{"POST", "/debug/pprof/symbol", Admin, pprof.Symbol},
		{"GET", "/debug/pprof/trace", Admin, pprof.Trace},
		{"GET", "/debug/pprof/{name}", Admin, pprof.Index}, // heap, goroutine, allocs, block, mutex, threadcreate
	}
}
