package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// DefaultLivePerUserCamera is how many live sockets one user may hold open to one camera: a home's
// family on a few devices, with room to spare.
const DefaultLivePerUserCamera = 16

// LiveCheckInterval is how often a live socket's credential and permission are checked again, for
// changes made outside this process (nvrd user rm, token revoke, a viewer's cameras changed).
const LiveCheckInterval = time.Second

// ErrLiveEnded is why Live.Done closed: the credential or the permission is gone.
var ErrLiveEnded = errors.New("the login that opened this live view ended or lost access to the camera")

// Live is one open live socket, tied to the credential (session or token) that opened it. Done closes
// when that credential is logged out or revoked, its user removed, or the user's live permission on the
// camera taken away: the socket must then close.
type Live struct {
	svc    *Service
	key    liveKey
	cred   string // credential hash
	done   chan struct{}
	ending sync.Once
	closed sync.Once
	stream *streamGrant // a push stream (OpenStream), not a live socket of one camera
}

type liveKey struct {
	user   int64
	camera string
}

// liveRegistry holds the open live sockets per user and camera, for the caps and for ending them.
type liveRegistry struct {
	mu    sync.Mutex
	byKey map[liveKey]map[*Live]bool
	creds map[string]credLookup    // the newest lookup of each credential (stillLiveShared)
	fresh map[string]chan struct{} // lookups under way for the shared checks, closed when done
	asked atomic.Int64             // credential lookups made (tests)
}

// OpenLive registers a live socket of p to the camera, refusing it with a plain sentence when the user
// already holds limit of them (0: DefaultLivePerUserCamera). Close it when the socket closes.
func (s *Service) OpenLive(p *Principal, cameraID string, limit int) (*Live, error) {
	if limit <= 0 {
		limit = DefaultLivePerUserCamera
	}
	k := liveKey{user: p.User.ID, camera: cameraID}
	l := &Live{svc: s, key: k, cred: p.credHash, done: make(chan struct{})}
	r := &s.lives
	r.mu.Lock()
	defer r.mu.Unlock()
	set := r.byKey[k]
	if len(set) >= limit {
		return nil, fmt.Errorf("you already have %d live views of camera %s open, the most one user may have; close one first", len(set), cameraID)
	}
	if set == nil {
		set = map[*Live]bool{}
		r.byKey[k] = set
	}
	set[l] = true
	return l, nil
}

// LiveCount returns the open live sockets of a user to a camera.
func (s *Service) LiveCount(userID int64, cameraID string) int {
	s.lives.mu.Lock()
	defer s.lives.mu.Unlock()
	return len(s.lives.byKey[liveKey{userID, cameraID}])
}

// endCredential ends every live socket opened with the credential hash.
func (r *liveRegistry) endCredential(hash string) {
	r.mu.Lock()
	var ending []*Live
	for _, set := range r.byKey {
		for l := range set {
			if l.cred == hash {
				ending = append(ending, l)
			}
		}
	}
	r.mu.Unlock()
	for _, l := range ending {
		l.end()
	}
}

// Done is closed when the socket must close (see Live).
func (l *Live) Done() <-chan struct{} { return l.done }

func (l *Live) end() { l.ending.Do(func() { close(l.done) }) }

// Close releases the socket's place under the cap.
func (l *Live) Close() {
	l.closed.Do(func() {
		r := &l.svc.lives
		r.mu.Lock()
		defer r.mu.Unlock()
		if set := r.byKey[l.key]; set != nil {
			delete(set, l)
			if len(set) == 0 {
				delete(r.byKey, l.key)
			}
		}
	})
}

// Watch checks the credential and permission every interval (0: LiveCheckInterval) until ctx ends or
// they are gone, when it ends the socket (Done closes). It returns when either happens.
func (l *Live) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = LiveCheckInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.done:
			return
		case <-t.C:
		}
		// Half an interval: a lookup another socket of the credential made since this one's last
		// check serves, one from before does not, so a change is seen within 1.5 intervals.
		if err := l.svc.stillLiveShared(ctx, l, interval/2); err != nil {
			if ctx.Err() == nil {
				l.end()
			}
			return
		}
	}
}

// stillLive answers whether the socket's credential still authenticates the same user and that user
// may still watch the camera. A database error other than "not found" does not end the socket. It asks
// the database now, and the answer serves the periodic checks of the credential's other sockets too.
func (s *Service) stillLive(ctx context.Context, l *Live) error {
	return l.judge(s.lookupCred(ctx, l.cred))
}

// stillLiveShared is stillLive for the periodic checks: the credential's lookup is shared by all its
// sockets (a wall of 16 tiles opens 16 with one token) while it is younger than maxAge, so the
// database is asked once per credential and interval, not once per socket.
//
// Checks that find no young lookup while another socket's lookup is under way wait for that one
// instead of asking too: sockets opened together tick together, and a slow database would otherwise be
// asked by every one of them at once.
func (s *Service) stillLiveShared(ctx context.Context, l *Live, maxAge time.Duration) error {
	r := &s.lives
	for {
		r.mu.Lock()
		c, ok := r.creds[l.cred]
		if ok && time.Since(c.at) < maxAge {
			r.mu.Unlock()
			return l.judge(c)
		}
		if wait, busy := r.fresh[l.cred]; busy {
			r.mu.Unlock()
			select {
			case <-wait:
				continue // its answer is young now
			case <-ctx.Done():
				return nil
			case <-l.done:
				return nil
			}
		}
		if r.fresh == nil {
			r.fresh = map[string]chan struct{}{}
		}
		done := make(chan struct{})
		r.fresh[l.cred] = done
		r.mu.Unlock()
		c = s.lookupCred(ctx, l.cred)
		r.mu.Lock()
		delete(r.fresh, l.cred)
		r.mu.Unlock()
		close(done)
		return l.judge(c)
	}
}

// credLookup is what the database said of a credential at one time.
type credLookup struct {
	at    time.Time
	user  *store.User // the user it authenticates as (a wall token's narrowed one); nil with ended or busy
	ended bool        // it no longer authenticates anyone
	busy  bool        // the database could not answer: no reason to cut the video
}

// credLookupKeep is how long an unused lookup stays in the registry.
const credLookupKeep = 10 * time.Second

// lookupCred asks the database about a credential and keeps the answer for the shared checks.
func (s *Service) lookupCred(ctx context.Context, cred string) credLookup {
	c := s.askCred(ctx, cred)
	c.at = time.Now()
	s.lives.asked.Add(1)
	r := &s.lives
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.creds == nil {
		r.creds = map[string]credLookup{}
	}
	for k, old := range r.creds {
		if c.at.Sub(old.at) > credLookupKeep {
			delete(r.creds, k)
		}
	}
	r.creds[cred] = c
	return c
}

func (s *Service) askCred(ctx context.Context, cred string) credLookup {
	var (
		u   *store.User
		err error
	)
	if sess, serr := s.st.SessionByHash(ctx, cred); serr == nil {
		u, err = s.st.UserByID(ctx, sess.UserID)
	} else if errors.Is(serr, store.ErrNotFound) {
		u, err = s.st.UserByToken(ctx, cred)
		if err == nil {
			// A wall token is checked as the narrowed viewer it authenticates as, not as its creator.
			kind, cams, kerr := s.st.TokenScope(ctx, cred)
			if kerr != nil && !errors.Is(kerr, store.ErrNotFound) {
				return credLookup{busy: true}
			}
			if kerr != nil {
				return credLookup{ended: true}
			}
			if kind == store.TokenWall {
				u = wallUser(u, cams)
			}
		}
	} else {
		return credLookup{busy: true}
	}
	if errors.Is(err, store.ErrNotFound) {
		return credLookup{ended: true}
	}
	if err != nil {
		return credLookup{busy: true} // a busy database is no reason to cut the video
	}
	return credLookup{user: u}
}

// judge says whether the socket may stay open given what its credential authenticates as.
func (l *Live) judge(c credLookup) error {
	switch {
	case c.busy:
		return nil
	case c.ended:
		return ErrLiveEnded
	}
	u := c.user
	if u.ID != l.key.user {
		return ErrLiveEnded
	}
	if l.stream != nil {
		if !l.stream.still(u) {
			return ErrLiveEnded
		}
		return nil
	}
	if !(&Principal{User: u}).Can(l.key.camera, NeedLive) {
		return ErrLiveEnded
	}
	return nil
}
