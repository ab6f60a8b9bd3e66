package testcam

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
)

// Dual is a test camera with a main stream and a substream on one RTSP server, at two paths
// (MainPath and SubPath), as real cameras serve them. StopSub ends the substream (its clients are
// disconnected and the path answers 404), like a camera whose second encoder died.
type Dual struct {
	Main, Sub Options // AUs, FPS (and PTS) of each; their Path, Addr, User and Audio are ignored

	srv              *gortsplib.Server
	main, sub        atomic.Pointer[gortsplib.ServerStream]
	mu               sync.Mutex
	mainStop, subStp chan struct{}
	mainDone, subDn  chan struct{}
	addr             string
}

// The Dual camera's paths.
const (
	MainPath = "/main"
	SubPath  = "/sub"
)

// StartDual starts a camera with both streams on 127.0.0.1 on a free port.
func StartDual(mainOpt, subOpt Options) (*Dual, error) {
	for _, o := range []*Options{&mainOpt, &subOpt} {
		if o.FPS == 0 {
			o.FPS = 25
		}
		o.Audio, o.StartAt = "", 0
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &Dual{Main: mainOpt, Sub: subOpt, addr: l.Addr().String()}
	l.Close()
	d.srv = &gortsplib.Server{Handler: &dualHandler{d: d}, RTSPAddress: d.addr}
	if err := d.srv.Start(); err != nil {
		return nil, fmt.Errorf("test camera listen on %s: %w", d.addr, err)
	}
	ms, err := d.newStream(mainOpt)
	if err != nil {
		d.srv.Close()
		return nil, err
	}
	ss, err := d.newStream(subOpt)
	if err != nil {
		ms.Close()
		d.srv.Close()
		return nil, err
	}
	d.main.Store(ms)
	d.sub.Store(ss)
	d.mainStop, d.mainDone = make(chan struct{}), make(chan struct{})
	d.subStp, d.subDn = make(chan struct{}), make(chan struct{})
	go (&Server{opt: mainOpt, played: make(chan struct{})}).pump(ms, d.mainStop, d.mainDone)
	go (&Server{opt: subOpt, played: make(chan struct{})}).pump(ss, d.subStp, d.subDn)
	return d, nil
}

func (d *Dual) newStream(o Options) (*gortsplib.ServerStream, error) {
	var f format.Format = &format.H264{PayloadTyp: 96, PacketizationMode: 1}
	if o.H265 {
		f = &format.H265{PayloadTyp: 96}
	}
	st := &gortsplib.ServerStream{Server: d.srv, Desc: &description.Session{Medias: []*description.Media{{Type: description.MediaTypeVideo, Formats: []format.Format{f}}}}}
	return st, st.Initialize()
}

// MainURL and SubURL are the two streams' RTSP URLs.
func (d *Dual) MainURL() string { return "rtsp://" + d.addr + MainPath }

// SubURL is the substream's RTSP URL.
func (d *Dual) SubURL() string { return "rtsp://" + d.addr + SubPath }

// StopSub ends the substream for good: its readers are disconnected and its path answers 404.
func (d *Dual) StopSub() {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.sub.Swap(nil)
	if st == nil {
		return
	}
	close(d.subStp)
	<-d.subDn
	st.Close()
}

// Close stops the camera.
func (d *Dual) Close() {
	d.StopSub()
	d.mu.Lock()
	defer d.mu.Unlock()
	if st := d.main.Swap(nil); st != nil {
		close(d.mainStop)
		<-d.mainDone
		st.Close()
	}
	d.srv.Close()
}

type dualHandler struct{ d *Dual }

func (h *dualHandler) stream(path string) *gortsplib.ServerStream {
	switch path {
	case MainPath, MainPath[1:], MainPath + "/":
		return h.d.main.Load()
	case SubPath, SubPath[1:], SubPath + "/":
		return h.d.sub.Load()
	}
	return nil
}

func (h *dualHandler) answer(path string) (*base.Response, *gortsplib.ServerStream, error) {
	st := h.stream(path)
	if st == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

// OnDescribe implements gortsplib.ServerHandlerOnDescribe.
func (h *dualHandler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return h.answer(ctx.Path)
}

// OnSetup implements gortsplib.ServerHandlerOnSetup.
func (h *dualHandler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return h.answer(ctx.Path)
}

// OnPlay implements gortsplib.ServerHandlerOnPlay.
func (h *dualHandler) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}
