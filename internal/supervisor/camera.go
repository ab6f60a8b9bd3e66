package supervisor

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// Camera states, as the status API reports them.
const (
	StateStarting     = "starting"
	StateStreaming    = "streaming"
	StateReconnecting = "reconnecting"
	StateError        = "error"
	StateDisabled     = "disabled"
)

// Status is a camera's live status.
type Status struct {
	State        string     `json:"state"`
	Error        string     `json:"error"`
	Restarts     uint64     `json:"restarts"`
	BytesIn      uint64     `json:"bytes_in"`
	Keyframes    uint64     `json:"keyframes"`
	Resyncs      uint64     `json:"resyncs"` // times the TS byte stream lost packet sync (this worker)
	LastKeyframe *time.Time `json:"last_keyframe"`
	BitrateBPS   uint64     `json:"bitrate_bps"`
	Width        int        `json:"width"`
	Height       int        `json:"height"`
	Viewers      int        `json:"viewers"`
	Generation   uint64     `json:"generation"`
	WorkerPID    int        `json:"worker_pid"`
	Codec        string     `json:"codec"`                 // video: "h264" or "h265", "" before the worker says
	Audio        string     `json:"audio"`                 // audio in the TS: "aac" or "" (none)
	AudioError   string     `json:"audio_error,omitempty"` // why the camera's audio is not recorded
	// Substream is the substream's state (nil for a camera without one): "failed" with the reason in
	// words while analysis and the grid tiles use the main stream.
	Substream *ipc.Substream `json:"substream,omitempty"`
	// Transport is how RTP comes from the camera: "tcp" (interleaved, tried first) or "udp" (the
	// camera refused TCP); "" before the worker says.
	Transport      string `json:"transport"`
	TLSFingerprint string `json:"tls_fingerprint,omitempty"` // SHA-256 of an rtsps:// camera's certificate
	TimeJumps      uint64 `json:"timestamp_jumps,omitempty"` // jumps of the camera's timestamps smoothed over (this worker)
	StreamNote     string `json:"stream_note,omitempty"`     // the latest such jump in plain words
	Frames         uint64 `json:"frames"`                    // video frames received (the frame rate is its rate)
	Dropped        uint64 `json:"dropped_packets"`           // TS packets slow readers (viewers, recorder) lost
}

// Camera runs one camera: a sequence of worker attempts with capped exponential backoff. Its status is
// owned by the run goroutine and published under mu for readers.
type Camera struct {
	cfg  *store.Camera
	sup  *Supervisor
	hub  *live.Hub
	sub  *live.Hub // the substream's live stream; nil without a substream URL
	log  *slog.Logger
	stop context.CancelFunc
	done chan struct{}

	mu       sync.Mutex
	state    string
	lastErr  string
	restarts uint64
	gen      uint64
	pid      int
	width    int
	height   int
	bitrate  uint64
	media    ipc.Status // the latest worker's codecs
	subState ipc.Substream
	tlsSeen  string // the latest rtsps:// certificate fingerprint any worker saw (camera_tls.go)

	snapshot atomic.Pointer[ipc.Keyframe]
	full     fullPictures // full-size pictures: what the worker is asked for (camera_full.go)

	subWatch subWatch // viewers of the substream's live stream (camera_sub.go)
}

func newCamera(sup *Supervisor, cfg *store.Camera) *Camera {
	c := &Camera{cfg: cfg, sup: sup, hub: live.NewHub(), state: StateStarting,
		log: sup.log.With("camera", cfg.ID)}
	if cfg.SubURL != "" {
		c.sub = live.NewHub()
		c.subState = ipc.Substream{State: ipc.SubStarting}
		c.subWatch.wake = make(chan struct{}, 1)
	}
	return c
}

// Hub is the camera's live fan-out.
func (c *Camera) Hub() *live.Hub { return c.hub }

// Snapshot returns the newest keyframe, or nil before the first. Its picture may be the analysis
// size only; FullSnapshot asks for a full-size one.
func (c *Camera) Snapshot() *ipc.Keyframe { return c.snapshot.Load() }

// Status returns the camera's status.
func (c *Camera) Status() Status {
	st := c.hub.Stats()
	c.mu.Lock()
	s := Status{State: c.state, Error: c.lastErr, Restarts: c.restarts, Width: c.width, Height: c.height,
		BitrateBPS: c.bitrate, Generation: c.gen, WorkerPID: c.pid,
		Codec: c.media.Codec, Audio: c.media.Audio, AudioError: c.media.AudioNote,
		Transport: c.media.Transport, TLSFingerprint: c.media.TLSFingerprint, TimeJumps: c.media.TimeJumps, StreamNote: c.media.StreamNote}
	if c.sub != nil {
		ss := c.subState
		s.Substream = &ss
	}
	c.mu.Unlock()
	s.BytesIn, s.Keyframes, s.Resyncs = st.BytesIn, st.Keyframes, st.Resyncs
	s.Frames, s.Dropped = st.Frames, st.Dropped
	if !st.LastKeyframe.IsZero() {
		t := st.LastKeyframe.UTC()
		s.LastKeyframe = &t
	}
	s.Viewers = c.hub.Viewers()
	return s
}

func (c *Camera) set(fn func(c *Camera)) {
	c.mu.Lock()
	fn(c)
	c.mu.Unlock()
}

// run is the camera's lifecycle loop; it returns when ctx is cancelled.
func (c *Camera) run(ctx context.Context) {
	defer close(c.done)
	defer c.hub.Close()
	if c.sub != nil {
		defer c.sub.Close()
	}
	t := c.sup.opt.Timings
	backoff := t.BackoffMin
	var restartLog restartLog
	go c.measureBitrate(ctx)
	for gen := uint64(1); ; gen++ {
		c.set(func(c *Camera) { c.gen = gen })
		a := &attempt{
			cameraID: c.cfg.ID, url: c.cfg.URL, gen: gen, runDir: c.sup.opt.RunDir, workerPath: c.sup.opt.WorkerPath,
			runner: c.sup.opt.Runner, t: t, hub: c.hub, subURL: c.cfg.SubURL, subHub: c.sub, subWatch: &c.subWatch, log: c.log.With("gen", gen), onKeyframe: c.keyframe,
			onStreaming: func() { c.set(func(c *Camera) { c.state = StateStreaming; c.lastErr = "" }) },
			onStarted:   func(pid int) { c.set(func(c *Camera) { c.pid = pid }) },
			onStatus:    c.status,
			onConn:      c.full.attach,
		}
		err := a.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		streamedFor := time.Duration(0)
		if since := a.streamingSince.Load(); since != 0 {
			streamedFor = time.Since(time.Unix(0, since))
		}
		if streamedFor >= t.HealthyAfter {
			backoff = t.BackoffMin
		}
		restartLog.log(c.log.With("gen", gen), err, streamedFor, backoff)
		if h := c.sup.opt.restartHook; h != nil {
			h(c.cfg.ID, gen, err, streamedFor, backoff)
		}
		c.set(func(c *Camera) {
			c.lastErr = err.Error()
			c.restarts++
			if streamedFor > 0 {
				c.state = StateReconnecting
			} else {
				c.state = StateError
			}
		})
		if !waitBackoff(ctx, backoff, c.cfg.URL) {
			return
		}
		backoff = t.nextBackoff(backoff)
	}
}

// waitBackoff waits d, or less when the camera's TCP port was unreachable when the wait began and
// becomes reachable (a camera back from a power cut is picked up within a second, whatever the backoff).
// It returns false when ctx was cancelled.
func waitBackoff(ctx context.Context, d time.Duration, rawURL string) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	addr := dialAddr(rawURL)
	if addr == "" || reachable(ctx, addr) {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		}
	}
	probe := time.NewTicker(probeInterval)
	defer probe.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		case <-probe.C:
			if reachable(ctx, addr) {
				return true
			}
		}
	}
}

// status takes a worker's Status message: its codecs, the substream's state or the main stream's size.
func (c *Camera) status(st *ipc.Status) {
	switch st.State {
	case "substream":
		c.set(func(c *Camera) {
			if st.Substream != nil && c.sub != nil {
				c.subState = *st.Substream
			}
		})
	case "size":
		c.set(func(c *Camera) { c.width, c.height = st.Width, st.Height })
	default:
		c.mediaStatus(st)
	}
}

// SubLive is the substream's live stream while it streams, else nil (the caller uses the main one).
// Its viewers are counted: the worker writes the substream's TS only while there are any.
func (c *Camera) SubLive() *SubStream {
	if c.sub == nil {
		return nil
	}
	c.mu.Lock()
	ok := c.subState.State == ipc.SubStreaming
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return &SubStream{Hub: c.sub, w: &c.subWatch}
}

func (c *Camera) keyframe(k *ipc.Keyframe) {
	c.snapshot.Store(k)
	c.full.got(k)
	if w, h := k.Width, k.Height; w > 0 && !k.Sub {
		if k.FullWidth > 0 {
			w, h = k.FullWidth, k.FullHeight // the stream's size, not the analysis picture's
		}
		c.set(func(c *Camera) { c.width, c.height = w, h })
	}
	for _, fn := range c.sup.keyframeHandlers() {
		fn(c.cfg.ID, k)
	}
}

func (c *Camera) measureBitrate(ctx context.Context) {
	t := time.NewTicker(bitrateWindow)
	defer t.Stop()
	last := c.hub.Stats().BytesIn
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := c.hub.Stats().BytesIn
		bps := (now - last) * 8 * uint64(time.Second) / uint64(bitrateWindow)
		last = now
		c.set(func(c *Camera) { c.bitrate = bps })
	}
}

// SnapshotOrNil is Snapshot on a possibly nil camera (not running).
func (c *Camera) SnapshotOrNil() *ipc.Keyframe {
	if c == nil {
		return nil
	}
	return c.Snapshot()
}

const probeInterval = time.Second

// dialAddr is host:port to probe for an rtsp URL, or "" for sources without a network address.
func dialAddr(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "rtsp" && u.Scheme != "rtsps") || u.Hostname() == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "554"
		if u.Scheme == "rtsps" {
			port = "322"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func reachable(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: 800 * time.Millisecond}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
