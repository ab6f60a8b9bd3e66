package worker

import (
	"os"
	"runtime"
	"runtime/debug"
)

// tuneRuntime sets the worker's Go runtime for what it does: GStreamer's C threads do the media work
// and call into Go for a few small things per second (keyframe JPEGs, pad probes), so the Go heap stays
// at a few MiB. One P is enough for that and keeps idle Ps from spinning after every callback from a C
// thread; a GC percent of 400 collects a heap this small about four times less often (the soft memory
// limit bounds it all the same). GOMAXPROCS, GOGC and GOMEMLIMIT in the environment win.
func tuneRuntime() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(32 << 20)
	}
}
