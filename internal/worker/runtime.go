package worker

import (
	"os"
	"runtime"
	"runtime/debug"
)

// tuneRuntime sets the worker's Go runtime for what it does: GStreamer's C threads do the media work
// and call into Go for a few small things a second (keyframe JPEGs, pad probes), so the Go heap stays
// at a few MiB. One P is enough for that and keeps idle Ps from spinning after every callback from a C
// thread. The GC percent stays at Go's default: with 400 the workers' PSS was 1–4.5 MiB above the
// baseline's in three benchmark runs on 2026-12-02 and their CPU no lower beyond the machine's noise
// (not isolated from the other changes of those runs); the soft memory limit makes the collector work
// harder before a worker grows past 32 MiB of Go memory. GOMAXPROCS and GOMEMLIMIT in the environment
// win.
func tuneRuntime() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(32 << 20)
	}
}
