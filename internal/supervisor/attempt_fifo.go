package supervisor

import (
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// FIFO reading: a pipe buffer big enough for a 4K keyframe burst, and the coalescing delay after a short read.
const (
	fifoPipeSize  = 1 << 20
	fifoReadSize  = 256 << 10
	coalesceDelay = 2 * time.Millisecond
)

// growPipe enlarges the FIFO's kernel buffer so a keyframe burst never blocks the worker (best effort:
// an unprivileged user is limited by /proc/sys/fs/pipe-max-size).
func growPipe(f *os.File, log *slog.Logger) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		if _, err := unix.FcntlInt(fd, unix.F_SETPIPE_SZ, fifoPipeSize); err != nil {
			log.Debug("cannot enlarge FIFO buffer", "err", err)
		}
	})
}

// fifoReader reads the TS bytes the worker writes into the FIFO. lastByte is the unix-ns time of the
// newest read (0 before the first), for the watchdog; done is closed when the FIFO has been closed.
type fifoReader struct {
	done     chan struct{}
	lastByte atomic.Int64
}

// wait waits for the read loop to end; close the FIFO first.
func (r *fifoReader) wait() { <-r.done }

// readFIFO starts the read loop: every read is handed, raw, to deliver. It ends when the FIFO is closed.
func (a *attempt) readFIFO(fifo *os.File) *fifoReader {
	a.hub.Reset()
	r := &fifoReader{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		buf := make([]byte, fifoReadSize)
		for {
			n, err := fifo.Read(buf)
			if n > 0 {
				now := time.Now()
				r.lastByte.Store(now.UnixNano())
				if a.streamingSince.CompareAndSwap(0, now.UnixNano()) && a.onStreaming != nil {
					a.onStreaming()
				}
				a.deliver(buf[:n], now)
			}
			if err != nil {
				return
			}
			// The worker writes a frame's packets in a writev or two (strace: 2 per frame at 1080p25).
			// After a short read, let the rest of the burst arrive so it is handled (and sent to
			// viewers) as one piece; this costs at most coalesceDelay of latency.
			if n < len(buf)/2 {
				time.Sleep(coalesceDelay)
			}
		}
	}()
	return r
}

// deliver hands one read of raw TS bytes to the camera's stream: the live hub parses them once and feeds
// every reader (viewers, the recorder) the same way. It runs on the FIFO goroutine and must not block;
// raw is reused after it returns.
func (a *attempt) deliver(raw []byte, at time.Time) {
	a.hub.Write(raw, at)
}
