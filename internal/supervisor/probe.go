package supervisor

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// probeSeq numbers probe workers, so two probes never share a socket or FIFO name.
var probeSeq atomic.Uint64

// Probe runs one worker for rawURL the way a camera's attempt runs it (same process, handshake,
// deadlines and stop sequence) without adding a camera: the TS packets it sends are handed to consume
// until consume returns true (enough seen), d passes, ctx ends or the worker fails. It returns nil when
// video arrived; otherwise why not, in the worker's plain words (wrong password, nothing listening...).
// consume runs on the FIFO goroutine and must return quickly.
func (s *Supervisor) Probe(ctx context.Context, rawURL string, d time.Duration, consume func(live.Packets) bool) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var got atomic.Bool
	a := &attempt{
		cameraID: fmt.Sprintf("probe-%d", probeSeq.Add(1)), url: rawURL, gen: 1, runDir: s.opt.RunDir,
		workerPath: s.opt.WorkerPath, runner: s.opt.Runner, t: s.opt.Timings, hub: live.NewHub(),
		log: s.log.With("probe", true), onKeyframe: func(*ipc.Keyframe) {},
		onPackets: func(p live.Packets) {
			got.Store(true)
			if consume(p) {
				cancel()
			}
		},
	}
	if a.t.FirstByte > d {
		a.t.FirstByte = d // a probe has d in all; its own deadline says "no video within d"
	}
	err := a.Run(ctx)
	if got.Load() {
		return nil
	}
	if err != nil {
		return err
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return context.Canceled // the caller gave up (not the probe's time running out)
	}
	return &WorkerError{Message: fmt.Sprintf("no video from the camera within %s", d.Round(time.Second))}
}
