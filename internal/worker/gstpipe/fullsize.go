package gstpipe

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/nvrproject/nvr/internal/worker"
)

// fullSize decides which of the main stream's keyframes are also encoded at full size, and puts the
// two pictures of a keyframe into one worker.Frame. A keyframe goes into the full branch ("fulljpeg")
// while full is set, or once after next; admit (a probe before the full branch's jpegenc) drops the
// others, so jpegenc never sees them. Both pictures of a keyframe are made on its streaming thread,
// the full one first (the tee's first branch), but pairing does not rely on the order: an analysis
// frame whose full picture is due waits for it (parked), and a full picture waits for its frame.
type fullSize struct {
	full, next atomic.Bool
	w, h       atomic.Int32 // the decoded picture's size, from the full branch's caps

	mu        sync.Mutex
	expecting bool          // a keyframe was admitted and its full picture is not paired yet
	expectPTS time.Duration // its PTS
	have      bool          // fullJPEG holds a full picture not paired yet
	havePTS   time.Duration
	fullJPEG  []byte
	parked    *worker.Frame // an analysis frame waiting for its full picture
}

// WantFull sets which keyframes go out at full size too. See worker.FullSizer.
func (p *Pipeline) WantFull(full, next bool) {
	p.full.full.Store(full)
	if next {
		p.full.next.Store(true)
	}
}

// size returns the decoded picture's size, 0×0 before its caps came.
func (fs *fullSize) size() (w, h int) { return int(fs.w.Load()), int(fs.h.Load()) }

// admit says whether the keyframe at pts goes into the full branch, and if so expects its picture.
func (fs *fullSize) admit(pts time.Duration) bool {
	if !fs.full.Load() && !fs.next.Swap(false) {
		return false
	}
	fs.mu.Lock()
	fs.expecting, fs.expectPTS, fs.have = true, pts, false
	fs.mu.Unlock()
	return true
}

// pairWith returns the function the analysis appsink hands its frames to: it adds each frame's full
// picture when one was made and passes the frame on to emit.
func (fs *fullSize) pairWith(emit func(worker.Frame)) func(worker.Frame) {
	return func(f worker.Frame) {
		fs.mu.Lock()
		stale := fs.parked // its full picture never came (the full appsink dropped it)
		fs.parked = nil
		switch {
		case fs.have && fs.havePTS == f.PTS:
			f.Full, fs.fullJPEG, fs.have, fs.expecting = fs.fullJPEG, nil, false, false
		case fs.expecting && fs.expectPTS == f.PTS:
			fs.parked = &f
		}
		parked := fs.parked != nil
		fs.mu.Unlock()
		if stale != nil {
			emit(*stale)
		}
		if !parked {
			emit(f)
		}
	}
}

// onFull takes the full picture of the keyframe at pts; it emits the analysis frame waiting for it.
func (fs *fullSize) onFull(pts time.Duration, jpeg []byte, emit func(worker.Frame)) {
	fs.mu.Lock()
	f := fs.parked
	if f != nil && f.PTS == pts {
		fs.parked, fs.expecting = nil, false
		f.Full = jpeg
	} else {
		f = nil
		fs.have, fs.havePTS, fs.fullJPEG = true, pts, jpeg
	}
	fs.mu.Unlock()
	if f != nil {
		emit(*f)
	}
}

// gateFull puts admit before the full branch's jpegenc and notes the decoded size from its caps.
func (p *Pipeline) gateFull() error {
	enc, err := p.pipeline.GetElementByName("fulljpegenc")
	if err != nil {
		return nil // a substream-only or relay-only branch: no full pictures
	}
	pad := enc.GetStaticPad("sink")
	if pad == nil {
		return fmt.Errorf("the full-size jpegenc has no sink pad")
	}
	pad.AddProbe(gst.PadProbeTypeBuffer, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		if buf := info.GetBuffer(); buf != nil && !p.full.admit(ptsOf(buf)) {
			return gst.PadProbeDrop
		}
		return gst.PadProbeOK
	})
	// A probe of its own for the caps, so the buffer probe never asks an event for its buffer (a
	// GStreamer-CRITICAL on every gap event the keyframe branch passes on).
	pad.AddProbe(gst.PadProbeTypeEventDownstream, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
		if ev := info.GetEvent(); ev != nil && ev.Type() == gst.EventTypeCaps {
			if caps := ev.ParseCaps(); caps != nil && caps.GetSize() > 0 {
				st := caps.GetStructureAt(0)
				p.full.w.Store(int32(intField(st, "width")))
				p.full.h.Store(int32(intField(st, "height")))
			}
		}
		return gst.PadProbeOK
	})
	return nil
}

// sinkFull hands the full-size appsink's pictures to fullSize.onFull, which emits them with their frame.
func (p *Pipeline) sinkFull(emit func(worker.Frame)) error {
	el, err := p.pipeline.GetElementByName("fulljpeg")
	if err != nil {
		return nil
	}
	sink := app.SinkFromElement(el)
	sink.SetCallbacks(&app.SinkCallbacks{NewSampleFunc: func(s *app.Sink) gst.FlowReturn {
		sample := s.PullSample()
		if sample == nil {
			return gst.FlowEOS
		}
		if buf := sample.GetBuffer(); buf != nil {
			p.full.onFull(ptsOf(buf), append([]byte(nil), buf.Bytes()...), emit)
		}
		return gst.FlowOK
	}})
	return nil
}

// ptsOf is a buffer's PTS, 0 when it has none.
func ptsOf(buf *gst.Buffer) time.Duration {
	if pts := buf.PresentationTimestamp(); pts != gst.ClockTimeNone {
		return time.Duration(pts)
	}
	return 0
}
