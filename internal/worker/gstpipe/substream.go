package gstpipe

import (
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/nvrproject/nvr/internal/worker"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// A camera's substream joins the same pipeline as a bin named "sub" of its own: rtspsrc → depay →
// parse → tee, one branch muxed to MPEG-TS into the substream FIFO (the grid tiles' live stream), the
// other keyframes only → decoder → JPEG → appsink "subjpeg" (the analysed keyframes). The main stream's
// keyframe branch then has a closed valve ("keyvalve") before its decoder, so only one stream is decoded.
// When the substream fails (an error from inside the bin, its end, or nothing from it for a while), the
// bin is stopped and taken out of the pipeline, the valve opens, and analysis goes on with the main
// stream's keyframes until the worker restarts. The main stream never depends on the substream.
const (
	subFirstTimeout = 15 * time.Second // no substream picture this long after the start: failed
	subStallTimeout = 6 * time.Second  // no substream buffer this long once it streamed: failed
)

// substream is the pipeline's substream state; the bus loop owns the transitions (fail), streaming
// threads only stamp lastBuf and ask for a fail via pending.
type substream struct {
	url     string
	bin     *gst.Element // nil when there is none (or it failed before the pipeline was built)
	started time.Time
	lastBuf atomic.Int64 // unix ns of the newest buffer into the substream's tee
	seen    atomic.Bool  // a first substream keyframe came out
	pending atomic.Pointer[string]

	// The TS branch's valve (substream_relay.go): wantRelay is nvrd's wish, relaying what the valve
	// does; the tee's streaming thread opens it at a keyframe.
	relayValve *gst.Element
	wantRelay  atomic.Bool
	relaying   bool // streaming thread only

	mu            sync.Mutex
	state, reason string
	report        func(state, reason string)
}

// planSub asks the substream for its SDP and returns the launch text of its bin and its codec, or the
// reason it cannot be used (then the pipeline is built without it).
func planSub(rawURL string) (desc, codec, reason string) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "rtsp" && u.Scheme != "rtsps") {
		return "", "", "the substream URL is not an rtsp:// URL"
	}
	m, err := worker.Describe(rawURL)
	if err != nil {
		var se *worker.StreamError
		if errors.As(err, &se) {
			return "", "", se.Message
		}
		return "", "", worker.Explain(rawURL, err.Error(), "")
	}
	return ` ( name=sub ` + rtspSourceNamed(m.Video, "sub", m, u.Scheme == "rtsps") + subTail(m.Video, relayOnly()) + ` ) `, m.Video, ""
}

// subTail is the substream's part after the depayloader: the parser and tee as the main stream's
// (tailNamed), but its TS branch starts with a closed valve ("subrelay"): the substream is muxed into
// its FIFO only while someone watches it (nvrd says so, SetSubRelay), and the keyframe branch drops
// the delta frames before its queue, so that queue's thread wakes for the keyframes (and the gap
// events the identity sends for the decoder) only, not for every picture.
func subTail(codec string, gated bool) string {
	parse, dec := `h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au ! h264timestamper`, `avdec_h264`
	if codec == worker.CodecH265 {
		parse, dec = `h265parse config-interval=-1 ! video/x-h265,stream-format=byte-stream,alignment=au ! h265timestamper`, `avdec_h265`
	}
	valve := ""
	if gated {
		valve = ` ! valve name=subkeyvalve drop=true`
	}
	return ` ! ` + parse + ` ! tee name=subt ` +
		` subt. ! valve name=subrelay drop=true ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! mpegtsmux name=submux ! filesink name=subfifo sync=false async=false buffer-mode=unbuffered ` +
		` subt. ! identity name=subkeyonly drop-buffer-flags=delta-unit ! queue leaky=downstream max-size-buffers=60 max-size-bytes=0 max-size-time=0` + valve +
		` ! ` + dec + ` max-threads=1 output-corrupt=false ! videoconvert ! jpegenc name=subjpegenc ! appsink name=subjpeg sync=false max-buffers=2 drop=true async=false`
}

// subFailedSentence is the status sentence for a failed substream.
func subFailedSentence(reason string) string {
	return "substream failed: " + reason + "; analysis and the grid tiles use the main stream"
}

// configureSub sets the substream bin's properties and probes once the pipeline is built.
func configureSub(p *gst.Pipeline, spec worker.Spec, codec string, s *substream) error {
	bin, err := p.GetElementByName("sub")
	if err != nil {
		return err
	}
	s.bin = bin
	if s.relayValve, err = p.GetElementByName("subrelay"); err != nil {
		return err
	}
	fifo, err := p.GetElementByName("subfifo")
	if err != nil {
		return err
	}
	if err := fifo.SetProperty("location", spec.SubFIFO); err != nil {
		return err
	}
	if q := spec.JPEGQuality; q > 0 && q <= 100 {
		enc, err := p.GetElementByName("subjpegenc")
		if err != nil {
			return err
		}
		if err := enc.SetProperty("quality", q); err != nil {
			return err
		}
	}
	u, err := url.Parse(spec.SubURL)
	if err != nil {
		return fmt.Errorf("substream URL is not a valid URL: %w", err)
	}
	if err := setSource(p, "subsrc", u); err != nil {
		return err
	}
	if err := filterParamsAt(p, "subdepay", codec); err != nil {
		return err
	}
	if err := keyUnitsSegmentOn(p, "subkeyonly"); err != nil {
		return err
	}
	tee, err := p.GetElementByName("subt")
	if err != nil {
		return err
	}
	pad := tee.GetStaticPad("sink")
	if pad == nil {
		return fmt.Errorf("the substream's tee has no sink pad")
	}
	relay := relayOnly()
	pad.AddProbe(gst.PadProbeTypeBuffer|gst.PadProbeTypeEventDownstream, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		if info.Type()&gst.PadProbeTypeEventDownstream != 0 {
			if ev := info.GetEvent(); ev != nil && ev.Type() == gst.EventTypeEOS {
				s.ask("the substream ended")
			}
			return gst.PadProbeOK
		}
		s.lastBuf.Store(time.Now().UnixNano())
		if buf := info.GetBuffer(); buf != nil {
			s.relayAt(!buf.HasFlags(gst.BufferFlagDeltaUnit))
		}
		if relay {
			s.gotSubFrame() // the relay floor decodes nothing: the first buffer says it streams
		}
		return gst.PadProbeOK
	})
	return nil
}

// ask requests a fallback from a streaming thread; the bus loop does it.
func (s *substream) ask(reason string) {
	s.pending.CompareAndSwap(nil, &reason)
}

// set changes the state and tells the worker (once per change).
func (s *substream) set(state, reason string) {
	s.mu.Lock()
	if s.state == state {
		s.mu.Unlock()
		return
	}
	s.state, s.reason = state, reason
	fn := s.report
	s.mu.Unlock()
	if fn != nil {
		fn(state, reason)
	}
}

// current is the state and reason.
func (s *substream) current() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.reason
}

// OnSubstream registers the function told about the substream's state; it is told the current state at
// once. See worker.SubstreamReporter.
func (p *Pipeline) OnSubstream(fn func(state, reason string)) {
	if p.sub == nil {
		return
	}
	p.sub.mu.Lock()
	p.sub.report = fn
	state, reason := p.sub.state, p.sub.reason
	p.sub.mu.Unlock()
	fn(state, reason)
}

// gotSubFrame is called for each substream keyframe.
func (s *substream) gotSubFrame() {
	if s.seen.CompareAndSwap(false, true) {
		s.set(ipc.SubStreaming, "")
	}
}

// checkSub runs on the bus loop: it fails the substream on a pending request or a stall.
func (p *Pipeline) checkSub(now time.Time) {
	s := p.sub
	if s == nil || s.bin == nil {
		return
	}
	if r := s.pending.Load(); r != nil {
		p.failSub(*r)
		return
	}
	if !s.seen.Load() {
		if now.Sub(s.started) > subFirstTimeout {
			p.failSub(fmt.Sprintf("no picture from the substream within %s", subFirstTimeout))
		}
		return
	}
	if last := s.lastBuf.Load(); last != 0 && now.Sub(time.Unix(0, last)) > subStallTimeout {
		p.failSub(fmt.Sprintf("the substream sent nothing for %s", subStallTimeout))
	}
}

// failSub stops the substream's bin, takes it out of the pipeline (so the main stream's end still ends
// the pipeline) and opens the main stream's keyframe valve. It runs on the bus loop, never on a
// streaming thread (a bin cannot be stopped from its own thread).
func (p *Pipeline) failSub(reason string) {
	s := p.sub
	if s == nil || s.bin == nil {
		return
	}
	bin := s.bin
	s.bin = nil
	if v, err := p.pipeline.GetElementByName("keyvalve"); err == nil {
		_ = v.SetProperty("drop", false)
	}
	_ = bin.SetLockedState(true)
	_ = bin.SetState(gst.StateNull)
	_ = p.pipeline.Remove(bin)
	s.set(ipc.SubFailed, subFailedSentence(reason))
}
