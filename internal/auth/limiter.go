package auth

import (
	"sync"
	"time"
)

// Login rate limits. Failures are counted per user name and client address, and separately per client
// address alone:
//   - after userAddrMax failures of one user from one address within userAddrWindow, that user is refused
//     from that address until userAddrWindow has passed since the last failure (other users at the same
//     address, and the same user elsewhere, are not affected);
//   - after addrMax failures from one address (all users together) within addrWindow, the address is over
//     its limit: a user who has not failed from it in the last userAddrWindow still has the password
//     checked, so a correct password gets through a limit that other people's typos caused, while a
//     password sprayer gets one guess per user per window.
const (
	userAddrMax    = 5
	userAddrWindow = time.Minute
	addrMax        = 20
	addrWindow     = 10 * time.Minute
	maxKeys        = 10000

	// maxFailures and window are the per-user-and-address limit (kept as the names tests use).
	maxFailures = userAddrMax
	window      = userAddrWindow
)

type limiter struct {
	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	n      int
	last   time.Time
	window time.Duration
}

func newLimiter() *limiter { return &limiter{keys: map[string]*failures{}} }

func userAddrKey(user, addr string) string { return "ua:" + addr + "|" + user }
func addrKey(addr string) string           { return "addr:" + addr }

// count returns the live failure count of key (l.mu held), forgetting an expired one.
func (l *limiter) count(key string, now time.Time) (int, time.Duration) {
	f := l.keys[key]
	if f == nil {
		return 0, 0
	}
	if now.Sub(f.last) > f.window {
		delete(l.keys, key)
		return 0, 0
	}
	return f.n, f.window - now.Sub(f.last)
}

// check reports whether a login of user from addr may have its password checked now.
func (l *limiter) check(user, addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ua, _ := l.count(userAddrKey(user, addr), now)
	if ua >= userAddrMax {
		return false
	}
	a, _ := l.count(addrKey(addr), now)
	if a >= addrMax && ua > 0 {
		return false // the address is over its limit and this user already failed from it
	}
	return true
}

func (l *limiter) fail(user, addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.keys) > maxKeys { // bounded memory under a spray of addresses
		for k, f := range l.keys {
			if now.Sub(f.last) > f.window {
				delete(l.keys, k)
			}
		}
	}
	for _, k := range []struct {
		key    string
		window time.Duration
	}{{userAddrKey(user, addr), userAddrWindow}, {addrKey(addr), addrWindow}} {
		f := l.keys[k.key]
		if f == nil || now.Sub(f.last) > f.window {
			f = &failures{window: k.window}
			l.keys[k.key] = f
		}
		f.n++
		f.last = now
	}
}

// succeed forgets the user's failures from addr (the address's count stays: it is everyone's).
func (l *limiter) succeed(user, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, userAddrKey(user, addr))
}
