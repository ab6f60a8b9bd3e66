package events

import (
	"sync"
	"sync/atomic"

	"github.com/nvrproject/nvr/internal/store"
)

// bus fans events out to subscribers without ever waiting for them.
type bus struct {
	mu     sync.Mutex
	subs   map[chan Event]struct{}
	closed bool
	drops  atomic.Int64
}

func newBus() *bus { return &bus{subs: map[chan Event]struct{}{}} }

func (b *bus) subscribe(buffer int) (<-chan Event, func()) {
	ch := make(chan Event, max(buffer, 1))
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(ch)
		return ch, func() {}
	}
	b.subs[ch] = struct{}{}
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// publish sends a copy of e (without snapshot bytes) to every subscriber that has room.
func (b *bus) publish(e *Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.subs) == 0 {
		return
	}
	c := publicCopy(e)
	for ch := range b.subs {
		select {
		case ch <- c:
		default:
			b.drops.Add(1)
		}
	}
}

// close closes every subscriber's channel; later subscriptions get a closed channel.
func (b *bus) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}

// publicCopy is e without its snapshot bytes and with its own slices, safe to hand out while
// the camera goroutine goes on changing e.
func publicCopy(e *Event) Event {
	c := *e
	if c.Snapshot != nil {
		c.HasSnapshot = true
		c.Snapshot = nil
	}
	c.Labels = append([]string(nil), e.Labels...)
	c.Boxes = append([]store.Box(nil), e.Boxes...)
	return c
}
