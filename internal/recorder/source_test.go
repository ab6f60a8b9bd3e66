package recorder

import (
	"sync"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// chanSource is a stream for the recorder's tests: batches are marked by a real mpegts.Marker and sent
// to every subscriber, waiting for room (the tests feed as fast as the recorder takes them).
type chanSource struct {
	mu   sync.Mutex
	subs []*chanSub
	m    mpegts.Marker
}

type chanSub struct {
	src    *chanSource
	c      chan mpegts.Batch
	closed bool
}

func (s *chanSource) Subscribe(_ string, queue int) mpegts.Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := &chanSub{src: s, c: make(chan mpegts.Batch, queue)}
	s.subs = append(s.subs, sub)
	return sub
}

// readers is the number of attached subscribers.
func (s *chanSource) readers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// mark parses raw TS bytes as the live hub does.
func (s *chanSource) mark(raw []byte, at time.Time) mpegts.Batch { return s.m.Feed(raw, at) }

// send offers b to every subscriber, waiting while a queue is more than half full.
func (s *chanSource) send(b mpegts.Batch) {
	for {
		s.mu.Lock()
		full := false
		for _, sub := range s.subs {
			if len(sub.c) > cap(sub.c)/2 {
				full = true
			}
		}
		if !full {
			for _, sub := range s.subs {
				sub.c <- b
			}
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

// drained reports whether every subscriber has taken everything.
func (s *chanSource) drained() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.subs {
		if len(sub.c) > 0 {
			return false
		}
	}
	return true
}

func (c *chanSub) Batches() <-chan mpegts.Batch { return c.c }
func (c *chanSub) Drops() uint64                { return 0 }
func (c *chanSub) Close() {
	s := c.src
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, sub := range s.subs {
		if sub == c {
			s.subs = append(s.subs[:i], s.subs[i+1:]...)
			close(c.c)
			return
		}
	}
}
