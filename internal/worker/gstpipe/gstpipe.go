// Package gstpipe is the GStreamer implementation of worker.Pipeline. It is the only cgo in nvr's
// media path and is linked only into nvr-worker.
//
// The pipeline never re-encodes camera video: RTSP → depay → h264parse → tee; one branch muxes to MPEG-TS
// into nvrd's FIFO, the other drops every delta frame before the decoder, so only keyframes are decoded
// and turned into JPEG.
package gstpipe

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/nvrproject/nvr/internal/worker"
)

var initOnce sync.Once

// Pipeline is a built GStreamer pipeline for one camera.
type Pipeline struct {
	spec     worker.Spec
	pipeline *gst.Pipeline
}

// tail is shared by every source: it takes H.264 byte-stream access units on the tee named "t".
// mpegtsmux needs whole access units (alignment=au), or mpegts.js hands the browser 6-byte "frames".
const tail = ` ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au ! tee name=t ` +
	` t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! mpegtsmux ! filesink name=fifo sync=false async=false buffer-mode=unbuffered ` +
	` t. ! queue leaky=downstream max-size-buffers=60 max-size-bytes=0 max-size-time=0 ! identity drop-buffer-flags=delta-unit ` +
	` ! avdec_h264 max-threads=1 output-corrupt=false ! videoconvert ! jpegenc name=jpegenc ! appsink name=jpeg sync=false max-buffers=2 drop=true`

// demoSource is a test pattern with a clock and a moving ball, encoded here with a keyframe every second.
const demoSource = `videotestsrc is-live=true pattern=ball motion=sweep background-color=0xff303840 foreground-color=0xffe0a030 ` +
	` ! video/x-raw,width=640,height=360,framerate=25/1 ` +
	` ! clockoverlay time-format="%Y-%m-%d %H:%M:%S" font-desc="Sans 16" ! videoconvert ` +
	` ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=800 ! video/x-h264,profile=constrained-baseline`

// rtspSource pulls H.264 over RTSP, interleaved in the TCP connection (cameras and firewalls like it best).
const rtspSource = `rtspsrc name=src protocols=tcp latency=100 tcp-timeout=10000000 timeout=10000000 ! rtph264depay`

// New builds the pipeline for spec; it validates the URL but does not connect.
func New(spec worker.Spec) (worker.Pipeline, error) {
	initOnce.Do(func() { gst.Init(nil) })
	u, err := url.Parse(spec.URL)
	if err != nil {
		return nil, fmt.Errorf("camera URL is not a valid URL: %w", err)
	}
	var desc string
	switch u.Scheme {
	case "rtsp", "rtsps":
		desc = rtspSource + tail
	case "demo":
		desc = demoSource + tail
	default:
		return nil, fmt.Errorf("camera URL must start with rtsp:// (or demo://), not %q", u.Scheme+"://")
	}
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		return nil, fmt.Errorf("cannot build the GStreamer pipeline (is scripts/setup done?): %w", err)
	}
	if err := setProps(p, spec, u); err != nil {
		return nil, err
	}
	return &Pipeline{spec: spec, pipeline: p}, nil
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
		enc, err := p.GetElementByName("jpegenc")
		if err != nil {
			return err
		}
		if err := enc.SetProperty("quality", q); err != nil {
			return err
		}
	}
	if u.Scheme != "demo" {
		src, err := p.GetElementByName("src")
		if err != nil {
			return err
		}
		// Credentials go in their own properties so a password with reserved characters works.
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
	}
	return nil
}

// Run plays the pipeline. See worker.Pipeline.
func (p *Pipeline) Run(ctx context.Context, onFrame func(worker.Frame)) error {
	sinkEl, err := p.pipeline.GetElementByName("jpeg")
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
		f := worker.Frame{Wall: time.Now(), JPEG: append([]byte(nil), buf.Bytes()...)}
		if pts := buf.PresentationTimestamp(); pts != gst.ClockTimeNone {
			f.PTS = time.Duration(pts)
		}
		if caps := sample.GetCaps(); caps != nil && caps.GetSize() > 0 {
			st := caps.GetStructureAt(0)
			f.Width, f.Height = intField(st, "width"), intField(st, "height")
		}
		onFrame(f)
		return gst.FlowOK
	}})

	defer p.pipeline.SetState(gst.StateNull)
	if err := p.pipeline.SetState(gst.StatePlaying); err != nil {
		return &worker.StreamError{Message: worker.Explain(p.spec.URL, err.Error(), ""), Detail: err.Error()}
	}
	bus := p.pipeline.GetPipelineBus()
	for {
		if ctx.Err() != nil {
			return nil
		}
		msg := bus.TimedPopFiltered(gst.ClockTime(200*time.Millisecond), gst.MessageError|gst.MessageEOS)
		if msg == nil {
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
