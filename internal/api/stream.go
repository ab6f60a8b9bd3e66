package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
)

// Push stream timings.
const (
	// streamSample is how often camera status and motion scores are read for a push stream: motion
	// is sent at most once per sample per camera, so at most 2/s.
	streamSample = 500 * time.Millisecond
	// streamCameras is how often the camera list is read again (cameras added, removed, disabled).
	streamCameras = 2 * time.Second
	// streamEventBuffer bounds the event engine's queue to one stream; streamPendingEvents bounds the
	// events waiting for a slow client (changes of one event coalesce into its latest state).
	streamEventBuffer   = 64
	streamPendingEvents = 256
)

// streamHeartbeat is the interval of the comment line that keeps proxies and the browser from taking
// a quiet stream for a dead one (a variable for tests).
var streamHeartbeat = 15 * time.Second

// streamCamera is the data of a "camera" message: the camera's status as GET /api/cameras/{id}/status
// answers it, sent when its state, error, restarts or picture size change (and once for every camera
// when the stream opens).
type streamCamera struct {
	Camera string `json:"camera"`
	Status any    `json:"status"`
	// Removed is set (and Status null) when the camera was deleted or the caller may no longer see it.
	Removed bool `json:"removed,omitempty"`
}

// streamMotion is the data of a "motion" message: the motion score of the camera's latest analysed
// keyframe.
type streamMotion struct {
	Camera string  `json:"camera"`
	Score  float64 `json:"score"`
	Time   string  `json:"time"`
}

// streamEvent is the data of an "event" message: an event as GET /api/events lists it.
type streamEvent struct {
	Type  string      `json:"type"` // new, update or end
	Event store.Event `json:"event"`
}

// stream is GET /api/stream: Server-Sent Events of camera status changes, motion scores and events, for
// the cameras the caller may see (status and motion: live permission; events: recordings permission,
// as GET /api/events). It ends when the caller's login ends or their permissions change (the page's
// EventSource reconnects and gets a stream filtered by the new ones). A wall token (?token= allowed, as
// an EventSource cannot send headers) gets the "camera" messages of its own cameras only, with the
// live-view fields alone (wallStatus): no motion, events or system figures.
//
// The producers never wait for a client: events arrive through the engine's bounded subscription, which
// a relay goroutine empties at once into the stream's own queue; there changes of one event coalesce
// while the client is slow (a later state replaces an unsent earlier one) and at most
// streamPendingEvents events wait, beyond which the oldest are dropped and the client is told in a
// "dropped" message with the count.
// Status and motion are sampled, so a slow client simply gets the latest values later.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	lease := s.opt.Auth.OpenStream(p)
	defer lease.Close()
	ended := watchLease(r.Context(), lease)
	defer ended()

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	pending := newEventQueue(streamPendingEvents)
	if s.opt.Events != nil && !p.Wall() {
		// The relay takes events off the engine's queue as they come, so that queue never fills
		// while this client is slow; they wait (coalesced, bounded) in pending instead.
		ch, unsub := s.opt.Events(streamEventBuffer)
		relayed := make(chan struct{})
		go func() {
			defer close(relayed)
			for ev := range ch {
				if p.Can(ev.CameraID, auth.NeedRecordings) {
					pending.put(ev)
				}
			}
		}()
		defer func() { unsub(); <-relayed }()
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	sw := &sseWriter{w: w, rc: rc}
	sw.comment("nvr push stream")
	if sw.flush() != nil {
		return
	}

	st := newStreamState()
	st.refresh(ctx, s, p)
	for _, id := range st.order {
		st.sampleCamera(s, p, id, sw, true)
		st.sampleMotion(s, p, id, sw)
	}
	sysAt := s.latestSampleAt() // the system figures are pushed from the sampler's next point on
	sample := time.NewTicker(streamSample)
	defer sample.Stop()
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	lastList := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-lease.Done():
			sw.send("end", map[string]string{"reason": "your login ended or its permissions changed; reconnect"})
			_ = sw.flush()
			return
		case <-pending.ready:
		case <-sample.C:
			if time.Since(lastList) >= streamCameras {
				for _, id := range st.refresh(ctx, s, p) {
					sw.send("camera", streamCamera{Camera: id, Removed: true})
				}
				lastList = time.Now()
			}
			for _, id := range st.order {
				st.sampleCamera(s, p, id, sw, false)
				st.sampleMotion(s, p, id, sw)
			}
			sysAt = s.pushSystem(ctx, p, sw, sysAt)
		case <-beat.C:
			sw.comment("heartbeat")
		}
		if n := pending.takeDropped(); n > 0 {
			sw.send("dropped", map[string]int{"events": n})
		}
		for _, ev := range pending.takeAll() {
			sw.send("event", streamEvent{Type: st.eventType(ev), Event: ev})
		}
		if sw.flush() != nil {
			return // the client went away or stopped reading (the write deadline passed)
		}
	}
}

// sseWriter writes Server-Sent Events; the first write error sticks.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

func (s *sseWriter) send(name string, v any) {
	if s.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	_, s.err = fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", name, b)
}

func (s *sseWriter) comment(text string) {
	if s.err == nil {
		_, s.err = fmt.Fprintf(s.w, ": %s\n\n", text)
	}
}

func (s *sseWriter) flush() error {
	if s.err == nil {
		s.err = s.rc.Flush()
	}
	return s.err
}

// streamState is one push stream's view: the visible cameras and what was last sent about each.
type streamState struct {
	order   []string
	enabled map[string]bool
	status  map[string]string    // camera → key of the last status sent
	motion  map[string]time.Time // camera → keyframe time of the last motion score sent
	// motionSent is when the last motion score of a camera was sent.
	motionSent map[string]time.Time
	seen       map[int64]bool // events already sent (the next send of one is an update)
}

func newStreamState() *streamState {
	return &streamState{enabled: map[string]bool{}, status: map[string]string{}, motion: map[string]time.Time{}, motionSent: map[string]time.Time{}, seen: map[int64]bool{}}
}

// refresh reads the camera list, keeping the cameras p may watch live; it returns the cameras that left
// the list.
func (st *streamState) refresh(ctx context.Context, s *Server, p *auth.Principal) (gone []string) {
	cams, err := s.opt.Store.Cameras(ctx)
	if err != nil {
		return nil // keep the last list; a busy database is no reason to end the stream
	}
	was := st.order
	st.order = nil
	now := map[string]bool{}
	for _, c := range cams {
		if p.Can(c.ID, auth.NeedLive) {
			st.order = append(st.order, c.ID)
			st.enabled[c.ID] = c.Enabled
			now[c.ID] = true
		}
	}
	for _, id := range was {
		if !now[id] {
			gone = append(gone, id)
			delete(st.enabled, id)
			delete(st.status, id) // a camera made again under the same id is announced anew
			delete(st.motion, id)
			delete(st.motionSent, id)
		}
	}
	return gone
}

// sampleCamera sends the camera's status when what a person sees of it changed (or always, at the start).
func (st *streamState) sampleCamera(s *Server, p *auth.Principal, id string, sw *sseWriter, always bool) {
	out := cameraStatus{PipelineStatus: PipelineStatus{State: StateStarting}}
	if !st.enabled[id] {
		out.State = StateDisabled
	} else if s.opt.Sup != nil {
		if cam := s.opt.Sup.Camera(id); cam != nil {
			out.PipelineStatus = cam.Status()
		}
	}
	key := fmt.Sprintf("%s|%s|%d|%dx%d", out.State, out.Error, out.Restarts, out.Width, out.Height)
	if ss := out.Substream; ss != nil { // a substream that starts streaming or fails is pushed too
		key += "|" + ss.State
	}
	if !always && st.status[id] == key {
		return
	}
	st.status[id] = key
	if p.Wall() { // a wall tile needs nothing more (and may see nothing more)
		sw.send("camera", streamCamera{Camera: id, Status: statusFor(p, out)})
		return
	}
	if st.enabled[id] && s.opt.Recorder != nil {
		rs := s.opt.Recorder.Status(id)
		out.Recording = &rs
	}
	if st.enabled[id] && s.opt.Analysis != nil {
		// The same analysis part as GET /api/cameras/{id}/status, so a page that takes its status line from
		// the push stream still says why detection is unavailable.
		if a, ok := s.opt.Analysis.Analysis(id); ok {
			out.Analysis = &a
		}
	}
	sw.send("camera", streamCamera{Camera: id, Status: statusFor(p, out)})
}

// sampleMotion sends the motion score of a keyframe not reported yet (never to a wall token).
func (st *streamState) sampleMotion(s *Server, p *auth.Principal, id string, sw *sseWriter) {
	if s.opt.Motion == nil || !st.enabled[id] || p.Wall() {
		return
	}
	if time.Since(st.motionSent[id]) < streamSample {
		return // at most 2/s, whatever the ticker's jitter
	}
	score, at, ok := s.opt.Motion(id)
	if !ok || at.IsZero() || !at.After(st.motion[id]) {
		return
	}
	st.motion[id], st.motionSent[id] = at, time.Now()
	sw.send("motion", streamMotion{Camera: id, Score: score, Time: at.UTC().Format(store.TimeFormat)})
}

// eventType names an event's message: end once its end has passed, new the first time this stream sees
// it, update after that. (A manual event has its planned end from the start: it is new.)
func (st *streamState) eventType(ev store.Event) string {
	first := !st.seen[ev.ID]
	if !ev.End.IsZero() && !ev.End.After(time.Now()) {
		delete(st.seen, ev.ID)
		return "end"
	}
	st.seen[ev.ID] = true
	if first {
		return "new"
	}
	return "update"
}

// eventQueue holds the events waiting for a slow client: at most max, one entry per event (its latest
// state), in the order they first arrived; beyond max the oldest are dropped and counted. ready has a
// value when there is something to take. It is safe for one putter and one taker.
type eventQueue struct {
	ready   chan struct{}
	mu      sync.Mutex
	max     int
	order   []int64
	latest  map[int64]store.Event
	dropped int
}

func newEventQueue(max int) *eventQueue {
	return &eventQueue{max: max, latest: map[int64]store.Event{}, ready: make(chan struct{}, 1)}
}

func (q *eventQueue) put(ev store.Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	defer func() {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}()
	if _, ok := q.latest[ev.ID]; !ok {
		if len(q.order) >= q.max {
			delete(q.latest, q.order[0])
			q.order = q.order[1:]
			q.dropped++
		}
		q.order = append(q.order, ev.ID)
	}
	q.latest[ev.ID] = ev
}

func (q *eventQueue) takeAll() []store.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]store.Event, 0, len(q.order))
	for _, id := range q.order {
		out = append(out, q.latest[id])
	}
	q.order = q.order[:0]
	clear(q.latest)
	return out
}

func (q *eventQueue) takeDropped() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.dropped
	q.dropped = 0
	return n
}
