// Command soak runs real nvrd and nvr-worker processes (bin/ from make build) against N test cameras on
// loopback for a while, with a live viewer per camera, one deliberately slow viewer, and faults on a
// schedule (worker kill -9, a camera down for 10 s, nvrd kill -9 and restart, the data volume full,
// bursts of API requests). At the end it prints one JSON report and exits non-zero when anything was
// lost or leaked. `make soak` runs it; `.ci/run` runs a 3-minute one.
//
// Timeline, as fractions of the duration D (the clock starts once every camera streams):
//
//	0.10       nvrd kill -9 and restart (the resource samples that count are of the new process)
//	0.10–0.30  warm-up
//	0.30–0.53  first third: quiet (viewers and recording only)
//	0.53–0.77  middle third: worker kill -9, camera down 10 s, disk full, API burst
//	0.77–1.00  last third: quiet again; a leak from the faults or from steady running shows here
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

type config struct {
	cameras  int
	duration time.Duration
	bin      string
	repo     string
	report   string
	tmpfsMiB int
}

func main() {
	var c config
	flag.IntVar(&c.cameras, "cameras", 8, "number of test cameras (half continuous, half events)")
	flag.DurationVar(&c.duration, "duration", 10*time.Minute, "how long to run once every camera streams (at least 2m)")
	flag.StringVar(&c.bin, "bin", "bin", "directory with nvrd and nvr-worker")
	flag.StringVar(&c.report, "report", "", "also write the JSON report to this file")
	flag.IntVar(&c.tmpfsMiB, "tmpfs-mib", 128, "size of the data volume (a tmpfs, mounted when root)")
	flag.Parse()
	if c.cameras < 2 {
		fmt.Fprintln(os.Stderr, "soak: -cameras must be at least 2.")
		os.Exit(2)
	}
	if c.duration < 2*time.Minute {
		fmt.Fprintln(os.Stderr, "soak: -duration must be at least 2m, so that warm-up, faults and the quiet thirds fit.")
		os.Exit(2)
	}
	wd, _ := os.Getwd()
	c.repo = wd
	if !filepath.IsAbs(c.bin) {
		c.bin = filepath.Join(wd, c.bin)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s := &soak{cfg: c, log: log}
	rep := s.run(ctx)
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(out))
	if c.report != "" {
		_ = os.MkdirAll(filepath.Dir(c.report), 0o755)
		_ = os.WriteFile(c.report, append(out, '\n'), 0o644)
	}
	if !rep.OK {
		fmt.Fprintf(os.Stderr, "soak: FAILED: %d problem(s); the first: %s\n", len(rep.Failures), rep.Failures[0])
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "soak: ok")
}
