package supervisor

import (
	"log/slog"
	"time"
)

// restartLogEvery is how often a camera that keeps failing the same way is logged again.
const restartLogEvery = 10 * time.Minute

// restartLog logs a camera's failed attempts once each, rate-limited: a new reason is logged at WARN at
// once; the same reason again is logged at DEBUG, and at WARN again only restartLogEvery after the last
// WARN, saying how many identical restarts were not logged in between. (The worker itself does not log
// its failure: it sends it over the socket, and this is the one line that says it.)
type restartLog struct {
	last     string
	lastWarn time.Time
	quiet    int
}

func (r *restartLog) log(log *slog.Logger, err error, streamed, backoff time.Duration) {
	msg := err.Error()
	now := time.Now()
	attrs := []any{"err", msg, "streamed", streamed.Round(time.Millisecond), "backoff", backoff}
	if msg == r.last && now.Sub(r.lastWarn) < restartLogEvery {
		r.quiet++
		log.Debug("camera worker ended again; restarting", attrs...)
		return
	}
	if msg == r.last && r.quiet > 0 {
		attrs = append(attrs, "repeats_not_logged", r.quiet)
	}
	log.Warn("camera worker ended; restarting", attrs...)
	r.last, r.lastWarn, r.quiet = msg, now, 0
}
