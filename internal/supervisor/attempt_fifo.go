package supervisor

import (
	"errors"
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
	// The main FIFO is read into chunks of fifoChunk bytes, a read at a time, never written again:
	// the hub's batches share them (no copy, no allocation per read). A read gets the chunk's free
	// space up to fifoReadSize; a new chunk is taken when less than fifoChunkMinFree is left. Chunks
	// live while a batch in them does (the GOP cache, a viewer's queue).
	fifoChunk        = 128 << 10
	fifoChunkMinFree = 32 << 10
)

// readArena hands out fresh memory for FIFO reads: each read's bytes are never written again.
type readArena struct {
	chunk []byte
	used  int
}

// next returns the buffer the next read goes into.
func (a *readArena) next() []byte {
	if a.chunk == nil || len(a.chunk)-a.used < fifoChunkMinFree {
		a.chunk, a.used = make([]byte, fifoChunk), 0
	}
	return a.chunk[a.used:min(len(a.chunk), a.used+fifoReadSize)]
}

// take marks the first n bytes of the buffer next returned as read and returns them (capacity n, so
// nobody appends into the rest of the chunk).
func (a *readArena) take(n int) []byte {
	b := a.chunk[a.used : a.used+n : a.used+n]
	a.used += n
	return b
}

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

// fifoSink is where a FIFO's reads go: the camera's live hub (main stream or substream).
type fifoSink interface {
	WriteOwned(raw []byte, at time.Time)
	Reset()
}

// readFIFO starts the main stream's read loop: every read is handed, raw, to the camera's hub, which
// parses it once and feeds every reader (viewers, the recorder). It ends when the FIFO is closed.
func (a *attempt) readFIFO(fifo *os.File) *fifoReader {
	return startFIFOReader(fifo, a.hub, 0, func(now time.Time) {
		if a.streamingSince.CompareAndSwap(0, now.UnixNano()) && a.onStreaming != nil {
			a.onStreaming()
		}
	})
}

// startFIFOReader resets sink and starts the read loop both FIFOs share: each read goes into fresh
// memory (readArena) and is given to sink without a copy. With idle > 0, after idle of silence the sink
// drops what it had (Reset) once, until bytes come again. onRead, if not nil, is called on the loop's
// goroutine after each read with bytes in it, before the bytes are handed on. The loop ends when the
// FIFO is closed.
func startFIFOReader(fifo *os.File, sink fifoSink, idle time.Duration, onRead func(now time.Time)) *fifoReader {
	sink.Reset()
	r := &fifoReader{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		var arena readArena
		deadlines := idle > 0 && fifo.SetReadDeadline(time.Time{}) == nil
		wrote := false // since the last Reset
		waited := false
		for {
			if deadlines {
				_ = fifo.SetReadDeadline(time.Now().Add(idle))
			}
			buf := arena.next()
			before := time.Now()
			n, err := fifo.Read(buf)
			now := time.Now()
			if n > 0 {
				r.lastByte.Store(now.UnixNano())
				if onRead != nil {
					onRead(now)
				}
				sink.WriteOwned(arena.take(n), now)
				wrote = true
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if wrote {
					sink.Reset()
					wrote = false
				}
				waited = false
				continue
			}
			if err != nil {
				return
			}
			// The worker writes a frame's packets in a writev or two (strace: 2 per frame at 1080p25).
			// After a short read, let the rest of the burst arrive so it is handled (and sent to
			// viewers) as one piece; this costs at most coalesceDelay of latency. Not again when the
			// read right after the wait found its bytes waiting: those were the rest of the burst,
			// and the next read waits in the kernel for the next frame.
			rest := waited && now.Sub(before) < coalesceDelay/4
			waited = n < min(len(buf), fifoReadSize/2) && !rest
			if waited {
				time.Sleep(coalesceDelay)
			}
		}
	}()
	return r
}
