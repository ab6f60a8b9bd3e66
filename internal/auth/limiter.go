package auth

import (
	"sync"
	"time"
)

// Login rate limit: after maxFailures failures within window for a key (a client address or a user
// name), logins for that key are refused until the window has passed since the last failure.
const (
	maxFailures = 5
	window      = time.Minute
	maxKeys     = 10000
)

type limiter struct {
	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	n    int
	last time.Time
}

func newLimiter() *limiter { return &limiter{keys: map[string]*failures{}} }

// blocked returns how long any of keys is still blocked.
func (l *limiter) blocked(keys []string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		f := l.keys[k]
		if f == nil {
			continue
		}
		if now.Sub(f.last) > window {
			delete(l.keys, k)
			continue
		}
		if f.n >= maxFailures {
			wait = max(wait, window-now.Sub(f.last))
		}
	}
	return wait
}

func (l *limiter) fail(keys []string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.keys) > maxKeys { // bounded memory under a spray of addresses
		for k, f := range l.keys {
			if now.Sub(f.last) > window {
				delete(l.keys, k)
			}
		}
	}
	for _, k := range keys {
		f := l.keys[k]
		if f == nil || now.Sub(f.last) > window {
			f = &failures{}
			l.keys[k] = f
		}
		f.n++
		f.last = now
	}
}

func (l *limiter) reset(keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		delete(l.keys, k)
	}
}
