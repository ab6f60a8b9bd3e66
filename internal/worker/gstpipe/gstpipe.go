// Package gstpipe is the GStreamer implementation of worker.Pipeline. It is the only cgo in nvr's
// media path and is linked only into nvr-worker.
//
// The pipeline never re-encodes camera video: RTSP → depay → h264parse or h265parse → tee; one branch
// muxes to MPEG-TS into nvrd's FIFO, the other drops every delta frame before the decoder, so only
// keyframes are decoded and turned into JPEG. Camera audio joins the muxer: AAC as it comes, G.711 and
// Opus transcoded to AAC (audio.go).
package gstpipe

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/nvrproject/nvr/internal/worker"
	"github.com/nvrproject/nvr/pkg/ipc"
)

var initOnce sync.Once

// Pipeline is a built GStreamer pipeline for one camera.
type Pipeline struct {
	spec     worker.Spec
	pipeline *gst.Pipeline
	demo     bool // the demo:// source, whose object demoMotion moves
	media    worker.Media
	sub      *substream // nil without a substream URL
	mainEOS  atomic.Bool
	mainSize atomic.Pointer[func(w, h int)]
	full     fullSize // which main-stream keyframes also go out at full size (fullsize.go)
}

// OnMainSize registers the function told the main stream's picture size from its caps (with a
// substream the analysed keyframes are the substream's, so they do not say it). See worker.MainSizeReporter.
func (p *Pipeline) OnMainSize(fn func(w, h int)) { p.mainSize.Store(&fn) }

// Media reports the codecs the pipeline carries. See worker.Pipeline.
func (p *Pipeline) Media() worker.Media { return p.media }

// tail is shared by every source: the parser assembles whole access units (mpegtsmux needs
// alignment=au, or mpegts.js hands the browser 6-byte "frames"), the timestamper gives each a DTS in
// decode order (cameras with B-frames send only presentation times), and the tee named "t" hands them
// to the FIFO and keyframe branches. The muxer is named "mux" so an audio branch can join it.
func tail(codec string) string { return tailNamed(codec, "", false) }

// tailNamed is tail with every element name prefixed by pre (the substream's part is "sub…"). gated
// puts a closed valve (name "<pre>keyvalve") before the keyframe decoder: the main stream's keyframes
// are decoded only when the substream has failed (substream.go opens it).
func tailNamed(codec, pre string, gated bool) string {
	parse, dec := `h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au ! h264timestamper`, `avdec_h264`
	if codec == worker.CodecH265 {
		parse, dec = `h265parse config-interval=-1 ! video/x-h265,stream-format=byte-stream,alignment=au ! h265timestamper`, `avdec_h265`
	}
	valve, sinkAsync := "", ""
	if gated {
		valve = ` ! valve name=` + pre + `keyvalve drop=true`
	}
	if gated || pre != "" {
		// With two sources an appsink that waits for its first picture before the pipeline may play
		// (the closed valve's, or a substream that never comes) would hold the other stream's
		// analysis in PAUSED too.
		sinkAsync = ` async=false`
	}
	return ` ! ` + parse + ` ! tee name=` + pre + `t ` +
		` ` + pre + `t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! mpegtsmux name=` + pre + `mux ! filesink name=` + pre + `fifo sync=false async=false buffer-mode=unbuffered ` +
		` ` + pre + `t. ! queue leaky=downstream max-size-buffers=60 max-size-bytes=0 max-size-time=0 ! identity name=` + pre + `keyonly drop-buffer-flags=delta-unit ` + valve +
		` ! ` + dec + ` max-threads=1 output-corrupt=false ! videoconvert` + pictures(pre, sinkAsync)
}

// analysisCaps bounds the analysis picture (ipc.AnalysisWidth × AnalysisHeight, square pixels):
// videoscale fixates the largest size within them that keeps the picture's aspect ratio, and leaves a
// smaller picture as it is.
var analysisCaps = fmt.Sprintf(`video/x-raw,width=[1,%d],height=[1,%d],pixel-aspect-ratio=1/1`, ipc.AnalysisWidth, ipc.AnalysisHeight)

// pictures is the end of a keyframe branch, after the decoder: the analysis picture, scaled down
// (bilinear: next to the decode it costs little, and nearest-neighbour's aliasing would flicker in
// motion's difference) and encoded, to appsink "<pre>jpeg". The main stream's branch also has a tee
// ("dect") whose first branch encodes the picture at full size to appsink "fulljpeg", passing only the
// keyframes nvrd asked for (fullsize.go: a probe drops the others before jpegenc). Nothing queues after
// the decoder, so both pictures of a keyframe are made on its streaming thread, one after the other.
func pictures(pre, sinkAsync string) string {
	small := `videoscale method=bilinear ! ` + analysisCaps + ` ! jpegenc name=` + pre + `jpegenc ! appsink name=` + pre + `jpeg sync=false max-buffers=2 drop=true` + sinkAsync
	if pre != "" {
		return ` ! ` + small
	}
	// The full branch's appsink gets no buffer until one is asked for, so it must not hold the
	// pipeline in PAUSED waiting for one (async=false).
	return ` ! tee name=dect dect. ! jpegenc name=fulljpegenc ! appsink name=fulljpeg sync=false max-buffers=2 drop=true async=false ` +
		` dect. ! ` + small
}

// demoSource is a still scene with a clock and an object (a box on pad "mix.sink_1") that demoMotion
// moves now and then, encoded here with a keyframe every second, so a new user sees live video, motion
// events that end, and the recordings they leave.
const demoSource = `videotestsrc is-live=true pattern=solid-color foreground-color=0xff303840 ` +
	` ! video/x-raw,width=640,height=360,framerate=25/1 ! mix.sink_0 ` +
	` videotestsrc is-live=true pattern=solid-color foreground-color=0xffe0a030 ` +
	` ! video/x-raw,width=72,height=72,framerate=25/1 ! mix.sink_1 ` +
	` compositor name=mix sink_1::xpos=40 sink_1::ypos=200 ! video/x-raw,width=640,height=360,framerate=25/1 ` +
	` ! clockoverlay time-format="%Y-%m-%d %H:%M:%S" font-desc="Sans 16" ! videoconvert ` +
	` ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=800 ! video/x-h264,profile=constrained-baseline`

// The demo object's schedule: it crosses the picture in demoMove, then rests for the rest of demoCycle.
const (
	demoCycle = 40 * time.Second
	demoMove  = 6 * time.Second
	demoLeft  = 40
	demoRight = 640 - 72 - 40
)

// demoX is the demo object's x position at time t since the pipeline started: it slides right during
// the first demoMove of even cycles and back left in odd ones, and rests in between.
func demoX(t time.Duration) int {
	cycle, in := t/demoCycle, t%demoCycle
	f := min(float64(in)/float64(demoMove), 1)
	if cycle%2 == 1 {
		f = 1 - f
	}
	return demoLeft + int(f*float64(demoRight-demoLeft))
}

// demoMotion moves the demo object until ctx ends.
func (p *Pipeline) demoMotion(ctx context.Context) {
	mix, err := p.pipeline.GetElementByName("mix")
	if err != nil {
		return
	}
	pad := mix.GetStaticPad("sink_1")
	if pad == nil {
		return
	}
	start := time.Now()
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			_ = pad.SetProperty("xpos", demoX(time.Since(start)))
		}
	}
}

// rtspSource pulls H.264 or H.265 over RTSP, interleaved in the TCP connection (cameras and firewalls
// like it best). buffer-mode=none takes presentation times from the RTP timestamps alone: the default
// clock slaving assumes timestamps that only grow, and bent a B-frame camera's (pictures 0–5 ms apart
// instead of 40). The depayloader assembles whole access units and hands each out on the RTP marker bit
// of its last packet (the parser, fed single NAL units, could close a picture only when the next one
// started: one frame interval on every picture). Some cameras repeat the parameter sets between the
// slices of a picture, which would end it there (the first half without a timestamp): filterParamsRTP
// drops those packets before the depayloader. NVR_DEPAY_ALIGNMENT=nal restores single NAL units
// (align.go).
//
// transport is worker.TransportUDP for a camera that refused TCP (worker.Describe asked), else TCP. An
// rtsps:// camera's certificate is accepted whatever it is (tls-validation-flags=0; the policy and why
// are in internal/worker/variants.go); worker.Describe recorded its fingerprint.
func rtspSource(codec string, m worker.Media, tls bool) string {
	return rtspSourceNamed(codec, "", m, tls)
}

// rtspSourceNamed is rtspSource with its element names prefixed by pre.
func rtspSourceNamed(codec, pre string, m worker.Media, tls bool) string {
	depay := `rtph264depay name=` + pre + `depay ! video/x-h264,stream-format=byte-stream,alignment=` + depayAlignment()
	if codec == worker.CodecH265 {
		depay = `rtph265depay name=` + pre + `depay ! video/x-h265,stream-format=byte-stream,alignment=` + depayAlignment()
	}
	protocols := "tcp"
	if m.Transport == worker.TransportUDP {
		protocols = "udp"
	}
	extra := ""
	if tls {
		extra = " tls-validation-flags=0"
	}
	return `rtspsrc name=` + pre + `src protocols=` + protocols + extra + ` latency=` + strconv.Itoa(rtspLatencyMS()) + ` buffer-mode=none tcp-timeout=10000000 timeout=10000000 ! ` + depay
}

// New builds the pipeline for spec; it validates the URL but does not connect.
func New(spec worker.Spec) (worker.Pipeline, error) {
	initOnce.Do(func() { gst.Init(nil) })
	u, err := url.Parse(spec.URL)
	if err != nil {
		return nil, fmt.Errorf("camera URL is not a valid URL: %w", err)
	}
	var desc string
	media := worker.Media{Video: worker.CodecH264, Transport: worker.TransportTCP}
	var sub *substream
	subDesc, subCodec := "", ""
	if spec.SubURL != "" {
		sub = &substream{url: spec.SubURL, started: time.Now(), state: ipc.SubStarting}
		var reason string
		if subDesc, subCodec, reason = planSub(spec.SubURL); reason != "" {
			sub.state, sub.reason = ipc.SubFailed, subFailedSentence(reason)
		}
	}
	gated := subDesc != "" || relayOnly()
	switch u.Scheme {
	case "rtsp", "rtsps":
		// The camera's SDP says which codecs it sends. When it cannot be asked, the pipeline tries
		// H.264 and GStreamer's own error says what is wrong.
		if m, err := worker.Describe(spec.URL); err == nil {
			media = m
		} else if se := (*worker.StreamError)(nil); errors.As(err, &se) {
			return nil, se
		}
		desc = rtspSource(media.Video, media, u.Scheme == "rtsps") + tailNamed(media.Video, "", gated)
		if branch := audioBranch(media.Audio); branch == "" {
			media.Audio = worker.AudioNone
		} else {
			desc += branch
		}
	case "demo":
		desc = demoSource + tailNamed(media.Video, "", gated)
	default:
		return nil, fmt.Errorf("camera URL must start with rtsp:// (or demo://), not %q", u.Scheme+"://")
	}
	desc += subDesc
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		return nil, fmt.Errorf("cannot build the GStreamer pipeline (is scripts/setup done?): %w", err)
	}
	if err := setProps(p, spec, u); err != nil {
		return nil, err
	}
	if u.Scheme != "demo" {
		if err := filterParamsAt(p, "depay", media.Video); err != nil {
			return nil, err
		}
	}
	if u.Scheme != "demo" {
		if err := retime(p, spec.OnJump); err != nil {
			return nil, err
		}
	}
	if err := shiftAudio(p); err != nil {
		return nil, err
	}
	if err := keyUnitsSegment(p); err != nil {
		return nil, err
	}
	if err := fromKeyframe(p); err != nil {
		return nil, err
	}
	if subDesc != "" {
		if err := configureSub(p, spec, subCodec, sub); err != nil {
			return nil, err
		}
	}
	pl := &Pipeline{spec: spec, pipeline: p, demo: u.Scheme == "demo", media: media, sub: sub}
	if err := pl.watchMainEOS(); err != nil {
		return nil, err
	}
	if err := pl.gateFull(); err != nil {
		return nil, err
	}
	return pl, nil
}

func setProps(p *gst.Pipeline, spec worker.Spec, u *url.URL) error {
	fifo, err := p.GetElementByName("fifo")
	if err != nil {
		return err
	}
	if err := fifo.SetProperty("location", spec.FIFO); err != nil {
		return err
	}
	if q := spec.JPEGQuality; q > 0 && q <= 100 {
		for _, name := range []string{"jpegenc", "fulljpegenc"} {
			enc, err := p.GetElementByName(name)
			if err != nil {
				return err
			}
			if err := enc.SetProperty("quality", q); err != nil {
				return err
			}
		}
	}
	if u.Scheme != "demo" {
		return setSource(p, "src", u)
	}
	return nil
}

// setSource points the rtspsrc of that name at u. Credentials go in their own properties so a password
// with reserved characters works.
func setSource(p *gst.Pipeline, name string, u *url.URL) error {
	src, err := p.GetElementByName(name)
	if err != nil {
		return err
	}
	clean := *u
	clean.User = nil
	if err := src.SetProperty("location", clean.String()); err != nil {
		return err
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		if err := src.SetProperty("user-id", u.User.Username()); err != nil {
			return err
		}
		if err := src.SetProperty("user-pw", pw); err != nil {
			return err
		}
	}
	return nil
}

// Run plays the pipeline. See worker.Pipeline.
func (p *Pipeline) Run(ctx context.Context, onFrame func(worker.Frame)) error {
	emit := p.full.pairWith(onFrame)
	if err := p.sinkFrames("jpeg", false, emit); err != nil {
		return err
	}
	if err := p.sinkFull(onFrame); err != nil {
		return err
	}
	if p.sub != nil && p.sub.bin != nil {
		if err := p.sinkFrames("subjpeg", true, onFrame); err != nil {
			return err
		}
	}

	// go-gst unrefs a pipeline when its Go wrapper is collected, and the wrapper is not reachable during
	// the C call of the deferred SetState: keep it alive past that call, or the pipeline may be disposed
	// half-way to NULL (seen as a SIGSEGV when one process runs several pipelines).
	defer runtime.KeepAlive(p)
	defer p.pipeline.SetState(gst.StateNull)
	if p.demo {
		demoCtx, stopDemo := context.WithCancel(ctx)
		demoDone := make(chan struct{})
		go func() { defer close(demoDone); p.demoMotion(demoCtx) }()
		defer func() { stopDemo(); <-demoDone }()
	}
	if err := p.pipeline.SetState(gst.StatePlaying); err != nil {
		return &worker.StreamError{Message: worker.Explain(p.spec.URL, err.Error(), ""), Detail: err.Error()}
	}
	bus := p.pipeline.GetPipelineBus()
	for {
		if ctx.Err() != nil {
			return nil
		}
		if p.mainEOS.Load() {
			return &worker.StreamError{Message: worker.Explain(p.spec.URL, "end of stream", ""), Detail: "EOS (main stream)"}
		}
		p.checkSub(time.Now())
		msg := bus.TimedPopFiltered(gst.ClockTime(200*time.Millisecond), gst.MessageError|gst.MessageEOS)
		if msg == nil {
			continue
		}
		if msg.Type() == gst.MessageError && p.sub != nil && p.sub.bin != nil && msgWithin(msg, p.sub.bin) {
			gerr := msg.ParseError()
			p.failSub(worker.Explain(p.sub.url, gerr.Error(), strings.TrimSpace(gerr.DebugString())))
			continue
		}
		switch msg.Type() {
		case gst.MessageEOS:
			return &worker.StreamError{Message: worker.Explain(p.spec.URL, "end of stream", ""), Detail: "EOS"}
		case gst.MessageError:
			gerr := msg.ParseError()
			detail := fmt.Sprintf("%s: %s | %s", msg.Source(), gerr.Error(), gerr.DebugString())
			return &worker.StreamError{Message: worker.Explain(p.spec.URL, gerr.Error(), strings.TrimSpace(gerr.DebugString())), Detail: detail}
		}
	}
}

// sinkFrames hands every JPEG of the appsink of that name to onFrame.
func (p *Pipeline) sinkFrames(name string, sub bool, onFrame func(worker.Frame)) error {
	sinkEl, err := p.pipeline.GetElementByName(name)
	if err != nil {
		return err
	}
	sink := app.SinkFromElement(sinkEl)
	sink.SetCallbacks(&app.SinkCallbacks{NewSampleFunc: func(s *app.Sink) gst.FlowReturn {
		sample := s.PullSample()
		if sample == nil {
			return gst.FlowEOS
		}
		buf := sample.GetBuffer()
		if buf == nil {
			return gst.FlowOK
		}
		f := worker.Frame{Wall: time.Now(), JPEG: append([]byte(nil), buf.Bytes()...), Sub: sub, PTS: ptsOf(buf)}
		if caps := sample.GetCaps(); caps != nil && caps.GetSize() > 0 {
			st := caps.GetStructureAt(0)
			f.Width, f.Height = intField(st, "width"), intField(st, "height")
		}
		if sub {
			p.sub.gotSubFrame()
		} else {
			f.FullWidth, f.FullHeight = p.full.size()
		}
		onFrame(f)
		return gst.FlowOK
	}})
	return nil
}

// watchMainEOS notes the main stream's end at its tee: with a substream the pipeline itself posts EOS
// only when every sink has ended, and the substream's may not.
func (p *Pipeline) watchMainEOS() error {
	if p.sub == nil {
		return nil
	}
	tee, err := p.pipeline.GetElementByName("t")
	if err != nil {
		return err
	}
	pad := tee.GetStaticPad("sink")
	if pad == nil {
		return fmt.Errorf("the tee has no sink pad")
	}
	pad.AddProbe(gst.PadProbeTypeEventDownstream, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		ev := info.GetEvent()
		switch {
		case ev == nil:
		case ev.Type() == gst.EventTypeEOS:
			p.mainEOS.Store(true)
		case ev.Type() == gst.EventTypeCaps:
			if fn := p.mainSize.Load(); fn != nil {
				if caps := ev.ParseCaps(); caps != nil && caps.GetSize() > 0 {
					st := caps.GetStructureAt(0)
					if w, h := intField(st, "width"), intField(st, "height"); w > 0 && h > 0 {
						(*fn)(w, h)
					}
				}
			}
		}
		return gst.PadProbeOK
	})
	return nil
}

func intField(st *gst.Structure, name string) int {
	v, err := st.GetValue(name)
	if err != nil {
		return 0
	}
	switch n := v.(type) {
	case int:
		return n
	case int32:
		return int(n)
	case int64:
		return int(n)
	case uint:
		return int(n)
	}
	return 0
}
