package recorder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/mpegts"
	"github.com/nvrproject/nvr/pkg/segments"
)

type trigger struct {
	start, until time.Time
	reason       string
	event        int64 // LinkEvent: link this stored event to the recording (no start/until)
}

// camRec is one camera's recording state. Everything but the atomics, the queues and what the mutexes
// guard belongs to the owner goroutine (run).
type camRec struct {
	r      *Recorder
	id     string
	log    *slog.Logger
	cancel func()        // ends the owner (set when it starts)
	done   chan struct{} // closed when the owner has ended

	trig     chan trigger
	settings atomic.Pointer[store.RecordSettings]
	confMu   sync.Mutex
	conf     *camConf // waiting for the owner
	confKick chan struct{}

	stat struct {
		triggersDropped, segments, bytes, ringBytes atomic.Int64
		mu                                          sync.Mutex
		err                                         string
		recID                                       int64
		sub                                         mpegts.Subscription // the current stream reader
		droppedBefore                               int64               // packets lost by earlier readers
	}

	// Owner state.
	src      mpegts.Source
	sub      mpegts.Subscription
	seg      *segments.Segmenter
	ring     *segments.Ring
	ringKeep time.Duration
	rec      *openRec
	lastWarn time.Time
}

// openRec is the recording being written.
type openRec struct {
	kind, reason string
	id           int64 // 0 until the first segment is written
	start        time.Time
	dir          string // absolute
	n            int    // segments written
	until        time.Time
	lastWrite    time.Time
	events       []int64 // events to link once the recording has its id
}

func newCamRec(r *Recorder, id string) *camRec {
	return &camRec{r: r, id: id, log: r.log.With("camera", id), done: make(chan struct{}),
		trig: make(chan trigger, 64), confKick: make(chan struct{}, 1)}
}

// dropped is the number of packets the camera's stream readers lost because the owner was too slow.
func (c *camRec) dropped() int64 {
	c.stat.mu.Lock()
	defer c.stat.mu.Unlock()
	n := c.stat.droppedBefore
	if c.stat.sub != nil {
		n += int64(c.stat.sub.Drops())
	}
	return n
}

func (c *camRec) status() Status {
	dropped := c.dropped()
	c.stat.mu.Lock()
	defer c.stat.mu.Unlock()
	s := Status{Recording: c.stat.recID != 0, Error: c.stat.err, SegmentsWritten: c.stat.segments.Load(),
		BytesWritten: c.stat.bytes.Load(), Dropped: dropped}
	if c.stat.recID != 0 {
		s.RecordingID = strconv.FormatInt(c.stat.recID, 10)
	}
	return s
}

func (c *camRec) setStatus(recID int64, errText string) {
	c.stat.mu.Lock()
	c.stat.recID, c.stat.err = recID, errText
	c.stat.mu.Unlock()
}

func (c *camRec) record() store.RecordSettings {
	if s := c.settings.Load(); s != nil {
		return *s
	}
	return store.RecordSettings{Mode: store.RecordOff}
}

// run is the owner goroutine.
func (c *camRec) run(ctx context.Context) {
	c.seg = segments.NewSegmenter(c.r.opt.Segment)
	defer c.shutdown()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	c.applyConf()
	for {
		var batches <-chan mpegts.Batch
		if c.sub != nil {
			batches = c.sub.Batches()
		}
		select {
		case <-ctx.Done():
			return
		case <-c.confKick:
			c.applyConf()
		case b, ok := <-batches:
			if !ok { // the stream ended (camera stopped or restarted with a new URL)
				c.detach()
				continue
			}
			if b.Restart { // a new worker: the old stream's segment ends here, whole
				c.endStream()
			}
			if b.Lost {
				c.seg.Flush() // the segment has a hole: drop it; b starts again at a keyframe
			}
			for _, s := range c.seg.WriteBatch(b) {
				c.segment(s)
			}
		case t := <-c.trig:
			if t.event != 0 {
				c.linkEvent(t.event)
			} else {
				c.trigger(t)
			}
		case <-tick.C:
			// A stream that stopped (camera gone, removed) must not leave a recording open forever.
			if c.rec != nil && c.rec.id != 0 && time.Since(c.rec.lastWrite) > idleClose &&
				(c.rec.kind == store.KindContinuous || time.Now().After(c.rec.until)) {
				c.closeRec()
			}
		}
	}
}

func (c *camRec) shutdown() {
	if c.sub != nil {
		c.sub.Close()
	}
	if s := c.seg.Flush(); s != nil && c.rec != nil {
		c.write(s.Data, s.Start, s.Duration, s.Keyframes)
	}
	c.closeRec()
	c.dropRing()
}

// ensureRing opens (or, when the pre-roll setting changed, reopens) the RAM ring.
func (c *camRec) ensureRing(set store.RecordSettings) {
	keep := time.Duration(set.PreRollS)*time.Second + c.r.opt.Segment
	if c.ring != nil && keep == c.ringKeep {
		return
	}
	if c.ring != nil {
		_ = c.ring.Close()
		c.ring = nil
	}
	ring, err := segments.OpenRing(filepath.Join(c.r.opt.RAMDir, c.id), keep, ringMaxBytes)
	if err != nil {
		c.warn("pre-roll ring unavailable; recordings start without pre-roll", err)
		return
	}
	c.ring, c.ringKeep = ring, keep
}

// dropRing closes the RAM ring and deletes its files.
func (c *camRec) dropRing() {
	if c.ring != nil {
		_ = c.ring.Close()
		c.ring, c.ringKeep = nil, 0
	}
}

// segment handles one finished segment: into the ring (events mode: the pre-roll), and into the open
// recording if any. Off and continuous modes keep no ring: off keeps no footage at all, not even in RAM,
// and continuous records every segment anyway.
func (c *camRec) segment(s segments.Segment) {
	set := c.record()
	if set.Mode == store.RecordEvents {
		c.ensureRing(set)
	} else {
		c.dropRing()
	}
	if c.ring != nil {
		if err := c.ring.Add(s); err != nil {
			c.warn("cannot keep pre-roll in the RAM disk", err)
		} else {
			c.stat.ringBytes.Add(int64(len(s.Data)))
		}
	}
	switch set.Mode {
	case store.RecordOff:
		c.closeRec()
		return
	case store.RecordContinuous:
		if c.rec != nil && (c.rec.kind != store.KindContinuous || (c.rec.id != 0 && s.Start.Sub(c.rec.start) >= c.r.opt.Roll)) {
			c.closeRec()
		}
		if c.rec == nil {
			c.rec = &openRec{kind: store.KindContinuous, reason: "continuous"}
		}
	default: // events
		if c.rec != nil && (c.rec.kind == store.KindContinuous || !s.Start.Before(c.rec.until)) {
			c.closeRec()
		}
		if c.rec == nil {
			return
		}
	}
	c.write(s.Data, s.Start, s.Duration, s.Keyframes)
}

// trigger opens an event recording with pre-roll from the ring, or extends the open one.
func (c *camRec) trigger(t trigger) {
	set := c.record()
	if set.Mode != store.RecordEvents {
		return // off: nothing; continuous: everything is recorded already
	}
	if c.rec != nil {
		if t.until.After(c.rec.until) {
			c.rec.until = t.until
		}
		return
	}
	c.rec = &openRec{kind: store.KindEvent, reason: t.reason, until: t.until}
	if c.ring == nil {
		return
	}
	from := t.start.Add(-time.Duration(set.PreRollS) * time.Second)
	for _, e := range c.ring.Since(from) {
		data, err := c.ring.Read(e)
		if err != nil {
			continue // evicted meanwhile
		}
		c.write(data, e.Start, e.Duration, e.Keyframes)
	}
}

// write stores one segment of the open recording durably, then indexes it. A failure loses this
// segment only; the recording stays open and the next segment is tried again.
func (c *camRec) write(data []byte, start time.Time, dur time.Duration, keyframes int) {
	rec := c.rec
	st := c.r.opt.Store
	ctx := context.Background()
	if rec.id == 0 {
		row := &store.Recording{CameraID: c.id, Kind: rec.kind, Reason: rec.reason, Start: start, Open: true}
		rel := filepath.Join(c.id, start.UTC().Format("2006-01-02"))
		if err := st.CreateRecording(ctx, row); err != nil {
			c.failed(err)
			return
		}
		rel = filepath.Join(rel, strconv.FormatInt(row.ID, 10))
		dir := filepath.Join(c.r.root, rel)
		if err := mkdirDurable(c.r.root, rel); err != nil {
			_ = st.DeleteRecording(ctx, row.ID)
			c.failed(err)
			return
		}
		if err := writeSidecar(dir, c.id, rec.kind, rec.reason, start); err != nil {
			_ = os.RemoveAll(dir)
			_ = st.DeleteRecording(ctx, row.ID)
			c.failed(err)
			return
		}
		if err := st.SetRecordingDir(ctx, row.ID, rel); err != nil {
			c.failed(err)
			return
		}
		rec.id, rec.start, rec.dir = row.ID, start, dir
		c.log.Info("recording started", "recording", row.ID, "kind", rec.kind, "reason", rec.reason, "start", start.Format(time.RFC3339Nano))
		c.linkPending()
	}
	if err := segments.WriteFileDurable(rec.dir, store.SegmentFile(rec.n), data); err != nil {
		c.failed(err)
		return
	}
	e := store.SegEntry{Index: rec.n, Offset: start.Sub(rec.start), Duration: dur, Bytes: int64(len(data)), Keyframes: keyframes}
	if err := st.AppendSegment(ctx, rec.id, e, start.Add(dur)); err != nil {
		// The file is durable; start-up reconciliation will index it.
		c.failed(err)
		rec.n++
		return
	}
	rec.n++
	rec.lastWrite = time.Now()
	c.stat.segments.Add(1)
	c.stat.bytes.Add(int64(len(data)))
	c.setStatus(rec.id, "")
}

func (c *camRec) closeRec() {
	if c.rec == nil {
		return
	}
	if c.rec.id != 0 && c.rec.n == 0 {
		// Nothing could be written (a full disk): no empty recording is left behind.
		_ = os.RemoveAll(c.rec.dir)
		_ = c.r.opt.Store.DeleteRecording(context.Background(), c.rec.id)
	} else if c.rec.id != 0 {
		if err := c.r.opt.Store.CloseRecording(context.Background(), c.rec.id); err != nil {
			c.warn("cannot mark the recording finished (fixed at next start)", err)
		}
		c.log.Info("recording finished", "recording", c.rec.id, "segments", c.rec.n)
	}
	c.rec = nil
	c.setStatus(0, c.status().Error)
}

// failed records a write failure in the status and the log (rate-limited); a full disk wakes retention.
func (c *camRec) failed(err error) {
	msg := "cannot write recordings: " + err.Error()
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || strings.Contains(err.Error(), "disk is full") {
		msg = "the recordings disk is full; recording resumes when space is freed (live view is not affected)"
		c.r.kickRetention()
	} else if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EROFS) {
		msg = "the recordings directory is not writable: " + err.Error()
	}
	id := int64(0)
	if c.rec != nil {
		id = c.rec.id
	}
	c.setStatus(id, msg)
	c.warn(msg, err)
}

// warn logs at most one warning per 10 s per camera (hot path).
func (c *camRec) warn(msg string, err error) {
	if time.Since(c.lastWarn) < 10*time.Second {
		return
	}
	c.lastWarn = time.Now()
	c.log.Warn(msg, "err", err)
}

// mkdirDurable creates root/rel and fsyncs each new directory's parent, so the directory entry of a
// recording survives a crash as surely as its files.
func mkdirDurable(root, rel string) error {
	parent, dir := root, root
	for _, part := range strings.Split(filepath.ToSlash(filepath.Clean(rel)), "/") {
		dir = filepath.Join(dir, part)
		err := os.Mkdir(dir, 0o750)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		if err == nil {
			if err := syncDir(parent); err != nil {
				return err
			}
		}
		parent = dir
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
