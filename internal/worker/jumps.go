package worker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// jumpLogEvery is how often a camera whose timestamps keep jumping is logged again.
const jumpLogEvery = time.Minute

// jumps counts the timestamp jumps a pipeline smoothed over (Spec.OnJump, from a streaming thread)
// and reports them from one goroutine: an ipc.Status to nvrd at most once a second when the count
// changed, and a warning in the log for the first jump and then at most once a minute.
type jumps struct {
	mu    sync.Mutex
	n     uint64
	last  time.Duration
	lastT time.Time
}

// add records one jump; it never blocks for long.
func (j *jumps) add(d time.Duration) {
	j.mu.Lock()
	j.n++
	j.last, j.lastT = d, time.Now()
	j.mu.Unlock()
}

func (j *jumps) get() (uint64, time.Duration, time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n, j.last, j.lastT
}

// jumpNote says a jump in plain words for the camera status.
func jumpNote(n uint64, last time.Duration, at time.Time) string {
	dir := "forward"
	if last < 0 {
		dir, last = "back", -last
	}
	return fmt.Sprintf("the camera's timestamps jumped %s by %s at %s (%d times since this connection started; a reboot or a clock change does this); nvr kept the recording and live times continuous",
		dir, last.Round(time.Millisecond), at.UTC().Format("15:04:05"), n)
}

// report sends the status and logs until ctx ends. base is the media status sent before the pipeline
// ran; every later Status repeats it with the jumps.
func (j *jumps) report(ctx context.Context, log *slog.Logger, conn *ipc.Conn, base ipc.Status) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var sent, logged uint64
	var loggedAt time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, last, at := j.get()
		if n == sent {
			continue
		}
		st := base
		st.TimeJumps, st.StreamNote = n, jumpNote(n, last, at)
		if err := conn.Send(&ipc.Envelope{Kind: ipc.KindStatus, Status: &st}); err != nil {
			return
		}
		sent = n
		if logged == 0 || time.Since(loggedAt) >= jumpLogEvery {
			log.Warn("camera timestamps jumped; the stream's times were kept continuous",
				"jump", last.String(), "jumps", n, "since_last_log", n-logged)
			logged, loggedAt = n, time.Now()
		}
	}
}
