package supervisor

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// A substream nobody watches is not relayed: the worker writes its TS into the substream FIFO only
// while the camera's substream hub has viewers (grid tiles), and analyses its keyframes either way.
// SubStream counts the viewers; the attempt tells the worker (ipc.SubRelay) when the count leaves or
// reaches zero, the latter only after SubRelayLinger, so a person going from the grid to a camera and
// back does not wait for a keyframe each time. A viewer who comes while it is off waits for the
// substream's next keyframe (the worker resumes there).

// SubRelayLinger is how long the worker goes on relaying the substream after its last viewer left.
const SubRelayLinger = 10 * time.Second

// subIdleReset is how long the substream FIFO may stay silent before its hub drops the stream (GOP
// cache, PSI): a viewer who comes after it waits for the resumed stream's keyframe instead of getting
// pictures from before the pause.
const subIdleReset = time.Second

// subWatch is a camera's count of substream viewers; wake (buffer 1) is signalled on every change.
type subWatch struct {
	n    atomic.Int64
	wake chan struct{}
}

func (w *subWatch) add(d int64) {
	w.n.Add(d)
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// SubStream is a camera's substream live stream (api.LiveStream): the hub, with its viewers counted.
type SubStream struct {
	*live.Hub
	w *subWatch
}

// Join adds a live viewer of the substream.
func (s *SubStream) Join() *live.Viewer {
	v := s.Hub.Join()
	s.w.add(1)
	return v
}

// Leave removes a viewer that Join returned.
func (s *SubStream) Leave(v *live.Viewer) {
	s.Hub.Leave(v)
	s.w.add(-1)
}

// relaySub tells the worker whether anyone watches the substream until ctx ends: on at once when the
// first viewer comes (and at the start if viewers wait), off after SubRelayLinger without any.
func (a *attempt) relaySub(ctx context.Context, conn *ipc.Conn) {
	w := a.subWatch
	on := false
	send := func(v bool) {
		if err := conn.Send(&ipc.Envelope{Kind: ipc.KindSubRelay, SubRelay: &ipc.SubRelay{On: v}}); err != nil {
			a.log.Debug("cannot tell the worker about the substream's viewers", "err", err)
			return
		}
		on = v
	}
	var linger *time.Timer
	var lingerC <-chan time.Time
	defer func() {
		if linger != nil {
			linger.Stop()
		}
	}()
	for {
		watched := w.n.Load() > 0
		switch {
		case watched && !on:
			send(true)
		case watched && linger != nil:
			linger.Stop()
			linger, lingerC = nil, nil
		case !watched && on && linger == nil:
			linger = time.NewTimer(SubRelayLinger)
			lingerC = linger.C
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-lingerC:
			linger, lingerC = nil, nil
			if w.n.Load() == 0 {
				send(false)
			}
		}
	}
}
