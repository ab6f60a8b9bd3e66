package events

import (
	"context"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/pkg/detect"
)

// scaledDetector is a detector that takes a keyframe decoded at a reduced scale
// (*detect.Detector): a 1080p keyframe is decoded at 1/4 for a 416×416 model, 4–6× cheaper
// than a full decode, and that decode is shared with motion when it runs at the same scale.
type scaledDetector interface {
	DecodeSize(width, height int) (minWidth, minHeight int)
	DetectScaled(img image.Image, scale, fullWidth, fullHeight int) ([]detect.Detection, error)
}

// detectReq asks for object detection on one keyframe.
type detectReq struct {
	t     time.Time      // the keyframe's time
	frame *keyframeImage // the keyframe, with what the camera already decoded of it
}

// detectResult is the answer to a detectReq.
type detectResult struct {
	t     time.Time
	frame *keyframeImage
	w, h  int // the picture size the boxes are in
	dets  []detect.Detection
	err   error
}

// scheduler runs the shared detector for every camera, one request at a time, at most rate
// requests per second. Each camera has at most one request waiting (a newer one replaces it)
// and cameras are served in the order they asked, so none starves and nothing piles up.
type scheduler struct {
	det   Detector
	rate  float64 // tokens per second
	burst float64

	mu      sync.Mutex
	pending map[*camera]*detectReq
	queue   []*camera // cameras with a pending request, oldest first
	wake    chan struct{}

	// owned by run
	tokens float64
	last   time.Time

	ran    atomic.Int64 // detector runs
	waited atomic.Int64 // nanoseconds spent waiting for tokens
}

func newScheduler(det Detector, rate float64) *scheduler {
	return &scheduler{
		det:     det,
		rate:    rate,
		burst:   max(1, rate/4),
		pending: map[*camera]*detectReq{},
		wake:    make(chan struct{}, 1),
	}
}

// post queues req for c, replacing c's request that is still waiting (and saying so).
func (s *scheduler) post(c *camera, req *detectReq) (replaced bool) {
	s.mu.Lock()
	if _, ok := s.pending[c]; ok {
		replaced = true
	} else {
		s.queue = append(s.queue, c)
	}
	s.pending[c] = req
	s.mu.Unlock()
	signal(s.wake)
	return replaced
}

// pop takes the oldest waiting request of a camera that is still running.
func (s *scheduler) pop() (*camera, *detectReq, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 {
		c := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		req := s.pending[c]
		delete(s.pending, c)
		if c.stopped() {
			continue
		}
		return c, req, true
	}
	return nil, nil, false
}

func (s *scheduler) empty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) == 0
}

func (s *scheduler) run(ctx context.Context) {
	s.last = time.Now()
	s.tokens = s.burst
	for {
		if s.empty() {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
				continue
			}
		}
		if !s.take(ctx) {
			return
		}
		c, req, ok := s.pop()
		if !ok {
			s.tokens++ // nothing to do after all (the camera went away): keep the token
			continue
		}
		res := s.detect(req)
		s.ran.Add(1)
		c.deliver(res)
	}
}

// take waits for a token of the rate cap; false when ctx ended.
func (s *scheduler) take(ctx context.Context) bool {
	for {
		now := time.Now()
		s.tokens = min(s.burst, s.tokens+now.Sub(s.last).Seconds()*s.rate)
		s.last = now
		if s.tokens >= 1 {
			s.tokens--
			return true
		}
		wait := time.Duration((1 - s.tokens) / s.rate * float64(time.Second))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
			s.waited.Add(int64(wait))
		}
	}
}

// detect decodes the keyframe at the scale the detector needs (through the keyframe's
// image, so a scale already decoded is not decoded again) and runs the detector, turning a
// panic into an error.
func (s *scheduler) detect(req *detectReq) (res *detectResult) {
	res = &detectResult{t: req.t, frame: req.frame}
	defer func() {
		if p := recover(); p != nil {
			res.dets = nil
			res.err = fmt.Errorf("object detection failed: %v", p)
		}
	}()
	undecodable := func(err error) *detectResult {
		res.err = fmt.Errorf("the keyframe could not be decoded for object detection: %w", err)
		return res
	}
	w, h, err := req.frame.size()
	if err != nil {
		return undecodable(err)
	}
	if sd, ok := s.det.(scaledDetector); ok {
		scale, _ := req.frame.scaleFor(sd.DecodeSize(w, h))
		f, err := req.frame.colourAt(scale)
		if err != nil {
			return undecodable(err)
		}
		res.w, res.h = f.Width, f.Height
		res.dets, res.err = sd.DetectScaled(f.Image, f.Scale, f.Width, f.Height)
		return res
	}
	f, err := req.frame.colourAt(1)
	if err != nil {
		return undecodable(err)
	}
	b := f.Image.Bounds()
	res.w, res.h = b.Dx(), b.Dy()
	res.dets, res.err = s.det.Detect(f.Image)
	return res
}

// signal wakes the goroutine waiting on ch without ever blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
