package supervisor

import "time"

// Timings are the deadlines of a worker's life and the backoff between attempts. A zero field takes its
// default (DefaultTimings); tests shorten them.
type Timings struct {
	Handshake    time.Duration // worker process start → Hello checked and Config sent (default 10 s)
	FirstByte    time.Duration // handshake done → first TS byte in the FIFO (default 20 s)
	Stall        time.Duration // no TS bytes for this long once streaming ends the attempt (default 5 s)
	StopGrace    time.Duration // Stop message → SIGKILL (default 2 s)
	BackoffMin   time.Duration // wait after the first failure (default 1 s), doubled after each failure
	BackoffMax   time.Duration // the doubling stops here (default 30 s)
	HealthyAfter time.Duration // an attempt that streamed this long resets the backoff (default 60 s)
}

// DefaultTimings returns the timings nvrd runs with.
func DefaultTimings() Timings {
	return Timings{
		Handshake:    10 * time.Second,
		FirstByte:    20 * time.Second,
		Stall:        5 * time.Second,
		StopGrace:    2 * time.Second,
		BackoffMin:   1 * time.Second,
		BackoffMax:   30 * time.Second,
		HealthyAfter: 60 * time.Second,
	}
}

// orDefaults fills every zero field from DefaultTimings.
func (t Timings) orDefaults() Timings {
	d := DefaultTimings()
	for _, f := range []struct{ v, def *time.Duration }{
		{&t.Handshake, &d.Handshake}, {&t.FirstByte, &d.FirstByte}, {&t.Stall, &d.Stall},
		{&t.StopGrace, &d.StopGrace}, {&t.BackoffMin, &d.BackoffMin}, {&t.BackoffMax, &d.BackoffMax},
		{&t.HealthyAfter, &d.HealthyAfter},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return t
}

// nextBackoff is the wait after the one that was d: doubled, capped at BackoffMax.
func (t Timings) nextBackoff(d time.Duration) time.Duration { return min(2*d, t.BackoffMax) }

// watchdogTick is how often an attempt checks its first-byte and stall deadlines.
const watchdogTick = 250 * time.Millisecond

// bitrateWindow is the span the status's bitrate is measured over.
const bitrateWindow = 2 * time.Second
