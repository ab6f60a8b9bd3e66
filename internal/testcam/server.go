package testcam

import (
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
	"github.com/pion/rtp"
)

// Options configure a test camera.
type Options struct {
	AUs [][][]byte // the clip in decode order, from Encode or EncodeStream
	// PTS is each AU's presentation time (90 kHz, from the clip's first one), from EncodeStream;
	// nil when the AUs are in presentation order. The RTP timestamp is the presentation time, as a
	// camera's is; AUs leave in decode order at the frame rate.
	PTS        []int64
	FPS        int
	Path       string // stream path, default "/stream"
	User, Pass string // when set, DESCRIBE and SETUP need these credentials
	Addr       string // listen address, default 127.0.0.1 on a free port
	// H265 announces and sends the AUs as H.265 (a clip encoded with Clip.H265).
	H265 bool
	// StartAt, when set, holds the clip until the first PLAY and then starts it at this AU, so the first
	// packets a client gets are not a keyframe's (pick an AU in the middle of a GOP).
	StartAt int
	// Audio adds an audio track: AudioAAC (frames in AAC, from EncodeAAC) or AudioPCMA.
	Audio string
	AAC   [][]byte
	// Variant makes the camera ask for another authentication, speak TLS or UDP, keep its parameter
	// sets in the SDP or jump its timestamps (variants.go).
	Variant Variant
	// WallClock paces the clip by the wall clock: AU 0 leaves at a whole second and every loop of a
	// clip of whole seconds starts at one (the glass-to-glass camera, WhiteSecond). Video only.
	WallClock bool
	// Count, when set, holds the clip until the first PLAY, sends only this many AUs and then nothing
	// more (the session stays up), so a test sees whether the receiver hands out the last picture without waiting for the next one.
	Count int
}

// playSettle is how long a held clip (Options.StartAt, Options.Count) waits after the first PLAY
// before its first AU, for the session to become a reader of the stream.
const playSettle = 100 * time.Millisecond

// Server is a running test camera.
type Server struct {
	opt Options

	mu      sync.Mutex
	srv     *gortsplib.Server
	stream  *gortsplib.ServerStream
	stop    chan struct{}
	done    chan struct{}
	running bool
	played  chan struct{} // closed at the first PLAY
	// freshPort: Start picked the port, so the first listen that fails picks another; started: it listened once.
	freshPort, started bool
	playOnce           sync.Once

	cert            *tls.Certificate // Variant.TLS: made once, kept across Pause/Resume
	udpRTP, udpRTCP string           // Variant.UDP: the port pair, kept across Pause/Resume
}

// Start starts a test camera.
func Start(opt Options) (*Server, error) {
	if opt.FPS == 0 {
		opt.FPS = 25
	}
	if opt.Path == "" {
		opt.Path = "/stream"
	}
	if err := checkWallClock(opt); err != nil {
		return nil, err
	}
	if opt.Addr != "" {
		s := &Server{opt: opt, played: make(chan struct{})}
		return s, s.Resume()
	}
	// A free port is picked, closed and listened on again by the RTSP server: in between, another test
	// running in parallel may take it (an outgoing connection's local port), so a taken one means a new
	// pick rather than a failure.
	var err error
	for i := 0; i < 5; i++ {
		l, lerr := net.Listen("tcp", "127.0.0.1:0")
		if lerr != nil {
			return nil, lerr
		}
		opt.Addr = l.Addr().String()
		l.Close()
		s := &Server{opt: opt, played: make(chan struct{}), freshPort: true}
		if err = s.Resume(); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// URL is the camera's RTSP URL with the configured credentials.
func (s *Server) URL() string {
	if s.opt.User != "" {
		return fmt.Sprintf("%s://%s:%s@%s%s", s.scheme(), s.opt.User, s.opt.Pass, s.opt.Addr, s.opt.Path)
	}
	return s.scheme() + "://" + s.opt.Addr + s.opt.Path
}

// Addr is host:port.
func (s *Server) Addr() string { return s.opt.Addr }

// Resume (re)starts serving on the same address after Pause.
func (s *Server) Resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return nil
	}
	h := &handler{s: s}
	srv := &gortsplib.Server{Handler: h, RTSPAddress: s.opt.Addr}
	if err := s.configure(srv); err != nil {
		return err
	}
	var err error
	tries := 50 // the port may linger briefly after Pause
	if s.freshPort && !s.started {
		tries = 1 // Start picks another port instead
	}
	for i := 0; i < tries; i++ {
		if err = srv.Start(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("test camera listen on %s: %w", s.opt.Addr, err)
	}
	var f format.Format = s.h264Format()
	if s.opt.H265 {
		f = s.h265Format()
	}
	desc := &description.Session{Medias: []*description.Media{{Type: description.MediaTypeVideo, Formats: []format.Format{f}}}}
	if am := s.audioMedia(); am != nil {
		desc.Medias = append(desc.Medias, am)
	}
	stream := &gortsplib.ServerStream{Server: srv, Desc: desc}
	if err := stream.Initialize(); err != nil {
		srv.Close()
		return err
	}
	h.stream.Store(stream)
	s.srv, s.stream = srv, stream
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	s.running = true
	s.started = true
	go s.pump(stream, s.stop, s.done)
	return nil
}

// Pause closes the server and every connection, like a camera that lost power.
func (s *Server) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return
	}
	close(s.stop)
	<-s.done
	s.stream.Close()
	s.srv.Close()
	s.running = false
}

// Close stops the camera for good.
func (s *Server) Close() { s.Pause() }

// pump writes the clip in a loop at the clip's frame rate.
func (s *Server) pump(stream *gortsplib.ServerStream, stop, done chan struct{}) {
	defer close(done)
	if s.opt.WallClock {
		s.pumpWallClock(stream, stop)
		return
	}
	if len(stream.Desc.Medias) > 1 {
		audioDone := make(chan struct{})
		go func() { defer close(audioDone); s.pumpAudio(stream, stream.Desc.Medias[1], stop) }()
		defer func() { <-audioDone }()
	}
	media := stream.Desc.Medias[0]
	var enc interface {
		Encode([][]byte) ([]*rtp.Packet, error)
	}
	var err error
	switch f := media.Formats[0].(type) {
	case *format.H264:
		enc, err = f.CreateEncoder()
	case *format.H265:
		enc, err = f.CreateEncoder()
	}
	if err != nil || enc == nil {
		return
	}
	period := time.Second / time.Duration(s.opt.FPS)
	var n uint64
	if s.opt.StartAt > 0 || s.opt.Count > 0 {
		select {
		case <-stop:
			return
		case <-s.played:
		}
		// OnPlay runs before gortsplib makes the session a reader of the stream, so an AU written at
		// once would reach nobody (the first one is the keyframe: without it the receiver drops the
		// rest). The ticker starts here, so the first AU leaves a period after PLAY, not on a tick
		// left pending while the camera waited.
		select {
		case <-stop:
			return
		case <-time.After(playSettle):
		}
		n = uint64(s.opt.StartAt)
	}
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		if s.opt.Count > 0 && n >= uint64(s.opt.StartAt+s.opt.Count) {
			<-stop
			return
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		au := s.opt.AUs[n%uint64(len(s.opt.AUs))]
		pkts, err := enc.Encode(s.auOut(au))
		if err != nil {
			continue
		}
		ts := uint32(n * 90000 / uint64(s.opt.FPS))
		if s.opt.PTS != nil {
			loops, i := n/uint64(len(s.opt.AUs)), n%uint64(len(s.opt.AUs))
			ts = uint32(loops*uint64(len(s.opt.AUs))*90000/uint64(s.opt.FPS) + uint64(s.opt.PTS[i]))
		}
		ts += uint32(s.tsOffset(n))
		for _, p := range pkts {
			p.Timestamp = ts
			_ = stream.WritePacketRTP(media, p)
		}
		n++
	}
}

type handler struct {
	s      *Server
	stream atomic.Pointer[gortsplib.ServerStream]
}

func (h *handler) ready() (*base.Response, *gortsplib.ServerStream, error) {
	st := h.stream.Load()
	if st == nil {
		return &base.Response{StatusCode: base.StatusServiceUnavailable}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

func (h *handler) auth(req *base.Request, conn *gortsplib.ServerConn) bool {
	if h.s.opt.User == "" {
		return true
	}
	return conn.VerifyCredentials(req, h.s.opt.User, h.s.opt.Pass)
}

func (h *handler) pathOK(p string) bool {
	return p == h.s.opt.Path || p == h.s.opt.Path[1:] || p == h.s.opt.Path+"/"
}

// OnDescribe implements gortsplib.ServerHandlerOnDescribe.
func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if !h.auth(ctx.Request, ctx.Conn) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	if !h.pathOK(ctx.Path) {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return h.ready()
}

// OnSetup implements gortsplib.ServerHandlerOnSetup.
func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if !h.auth(ctx.Request, ctx.Conn) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	if !h.pathOK(ctx.Path) {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	if res := h.s.refuseSetup(ctx); res != nil {
		return res, nil, nil
	}
	return h.ready()
}

// OnPlay implements gortsplib.ServerHandlerOnPlay.
func (h *handler) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	h.s.playOnce.Do(func() { close(h.s.played) })
	return &base.Response{StatusCode: base.StatusOK}, nil
}
