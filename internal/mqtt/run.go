package mqtt

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/eclipse/paho.golang/autopaho"

	"github.com/nvrproject/nvr/internal/eventmsg"
	"github.com/nvrproject/nvr/internal/store"
)

// run is one connection's state, owned by Service.Run's goroutine.
type run struct {
	s      *Service
	st     Settings
	cm     *autopaho.ConnectionManager
	cancel context.CancelFunc

	open    map[int64]store.Event    // events seen and not ended
	cams    map[string]*store.Camera // the cameras, by id
	rev     int64                    // cameras revision last read (-1: never)
	states  map[string]string        // last published pipeline state per camera
	counts  map[string]map[string]int
	unknown map[string]bool     // unknown cameras named by commands (logged once)
	annnc   map[string][]string // discovery config topics published per camera
	lastRec map[string]string   // a camera's record mode before recording/set OFF
}

func newRun(s *Service, st Settings) *run {
	return &run{s: s, st: st, open: map[int64]store.Event{}, cams: map[string]*store.Camera{}, rev: -1,
		states: map[string]string{}, counts: map[string]map[string]int{}, unknown: map[string]bool{},
		annnc: map[string][]string{}, lastRec: map[string]string{}}
}

// topic is prefix/rest.
func (r *run) topic(rest string) string { return r.st.prefix() + "/" + rest }

func onOff(b bool) []byte {
	if b {
		return []byte("ON")
	}
	return []byte("OFF")
}

// eventJSON is an event as MQTT shows it (the integrations' one shape).
type eventJSON = eventmsg.Event

func toJSON(e store.Event) eventJSON { return eventmsg.FromStore(e) }

// eventMessage is the payload of prefix/events.
type eventMessage = eventmsg.Message

// event publishes an event's change, the camera's motion and label counts, and its snapshot.
func (r *run) event(ctx context.Context, e store.Event) {
	before, seen := r.open[e.ID]
	msg := eventMessage{Type: "new", After: toJSON(e)}
	if seen {
		b := toJSON(before)
		msg.Before = &b
		msg.Type = "update"
	}
	if !e.End.IsZero() {
		msg.Type = "end"
		delete(r.open, e.ID)
	} else {
		r.open[e.ID] = e
	}
	if r.cm == nil { // not enabled: keep the open set, publish nothing
		return
	}
	if msg.Type == "end" && !seen { // seen first ended (a manual event): its new, then its end
		b, _ := json.Marshal(eventMessage{Type: "new", After: msg.After})
		r.publish(r.topic("events"), b, false)
	}
	b, _ := json.Marshal(msg)
	r.publish(r.topic("events"), b, false)
	cam := e.CameraID
	if e.Kind == store.EventMotion && (!seen || !e.End.IsZero()) {
		r.publish(r.topic(cam+"/motion"), onOff(r.openOf(cam, store.EventMotion) > 0), true)
	}
	if e.Kind == store.EventObject {
		r.publishCounts(cam, e.Labels)
	}
	if (e.HasSnapshot || e.Snapshot != nil) && (!seen || before.Score != e.Score || !e.End.IsZero()) {
		if jpg, err := r.s.opt.Store.EventSnapshot(ctx, e.ID); err == nil && len(jpg) > 0 {
			r.publish(r.topic(cam+"/snapshot"), jpg, true)
		}
	}
}

// openOf counts a camera's open events of a kind.
func (r *run) openOf(cam, kind string) int {
	n := 0
	for _, e := range r.open {
		if e.CameraID == cam && e.Kind == kind {
			n++
		}
	}
	return n
}

// publishCounts publishes prefix/<camera>/<label> for the labels whose open-object count changed.
func (r *run) publishCounts(cam string, labels []string) {
	now := map[string]int{}
	for _, e := range r.open {
		if e.CameraID == cam && e.Kind == store.EventObject {
			for _, l := range e.Labels {
				now[l]++
			}
		}
	}
	old := r.counts[cam]
	if old == nil {
		old = map[string]int{}
	}
	for _, l := range labels {
		if old[l] != now[l] || old[l] == 0 {
			r.publish(r.topic(cam+"/"+l), []byte(strconv.Itoa(now[l])), true)
		}
		old[l] = now[l]
	}
	r.counts[cam] = old
}

// connected runs after every (re)connection: online, the current states, discovery.
func (r *run) connected(ctx context.Context) {
	r.publish(r.topic("available"), []byte("online"), true)
	r.rev = -1
	r.states = map[string]string{}
	r.poll(ctx)
	for id, c := range r.cams {
		r.publishCamera(c)
		r.publish(r.topic(id+"/motion"), onOff(r.openOf(id, store.EventMotion) > 0), true)
		labels := c.Detect.EffectiveLabels()
		r.counts[id] = nil
		r.publishCounts(id, labels)
	}
	r.announceAll()
}

// poll re-reads the cameras when their revision moved and publishes pipeline state changes.
func (r *run) poll(ctx context.Context) {
	if r.cm == nil {
		return
	}
	if rev, err := r.s.opt.Store.CamerasRevision(ctx); err == nil && rev != r.rev {
		if cams, err := r.s.opt.Store.Cameras(ctx); err == nil {
			r.rev = rev
			seen := map[string]*store.Camera{}
			for _, c := range cams {
				seen[c.ID] = c
				if old, ok := r.cams[c.ID]; !ok || old.Revision != c.Revision {
					r.publishCamera(c)
					if r.st.Discovery && r.s.conn.Load() {
						r.announce(c)
					}
				}
			}
			for id := range r.cams {
				if seen[id] == nil {
					r.forget(id)
				}
			}
			r.cams = seen
		}
	}
	ids := make([]string, 0, len(r.cams))
	for id := range r.cams {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		st := r.state(r.cams[id])
		if st != r.states[id] {
			r.states[id] = st
			r.publish(r.topic(id+"/status"), []byte(st), true)
		}
	}
}

// state is a camera's state word: disabled, or the pipeline's.
func (r *run) state(c *store.Camera) string {
	if !c.Enabled {
		return "disabled"
	}
	if st := r.s.opt.State(c.ID); st != "" {
		return st
	}
	return "starting"
}

// publishCamera publishes a camera's switch states.
func (r *run) publishCamera(c *store.Camera) {
	r.publish(r.topic(c.ID+"/recording/state"), onOff(c.Record.Mode != store.RecordOff), true)
	r.publish(r.topic(c.ID+"/detect/state"), onOff(c.Detect.Enabled), true)
	r.publish(r.topic(c.ID+"/motion/state"), onOff(c.Motion.Enabled), true)
	r.publish(r.topic(c.ID+"/enabled/state"), onOff(c.Enabled), true)
}

// forget clears a deleted camera's retained topics and removes it from Home Assistant.
func (r *run) forget(id string) {
	for _, t := range r.annnc[id] {
		r.publish(t, nil, true)
	}
	delete(r.annnc, id)
	for _, t := range []string{"status", "motion", "snapshot", "recording/state", "detect/state", "motion/state", "enabled/state"} {
		r.publish(r.topic(id+"/"+t), nil, true)
	}
	for l := range r.counts[id] {
		r.publish(r.topic(id+"/"+l), nil, true)
	}
	delete(r.counts, id)
	delete(r.states, id)
}

// command applies prefix/<camera>/<switch>/set ON|OFF the way PATCH /api/cameras/{id} would.
func (r *run) command(ctx context.Context, c command) {
	if r.st.Discovery && c.topic == r.st.discoveryPrefix()+"/status" {
		if strings.EqualFold(strings.TrimSpace(c.payload), "online") {
			r.announceAll()
		}
		return
	}
	rest, ok := strings.CutPrefix(c.topic, r.st.prefix()+"/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 || parts[2] != "set" {
		return
	}
	id, what := parts[0], parts[1]
	var on bool
	switch strings.ToUpper(strings.TrimSpace(c.payload)) {
	case "ON", "TRUE", "1":
		on = true
	case "OFF", "FALSE", "0":
	default:
		r.s.log.Warn("MQTT command ignored: the payload must be ON or OFF", "topic", c.topic, "payload", c.payload)
		return
	}
	cam, err := r.s.opt.Store.Camera(ctx, id)
	if err != nil {
		if !r.unknown[id] {
			r.unknown[id] = true
			r.s.log.Warn("MQTT command for a camera that does not exist", "topic", c.topic, "err", err)
		}
		return
	}
	before := *cam
	switch what {
	case "recording":
		if on && cam.Record.Mode == store.RecordOff {
			cam.Record.Mode = r.lastRec[id]
			if cam.Record.Mode == "" {
				cam.Record.Mode = store.RecordEvents
			}
		} else if !on && cam.Record.Mode != store.RecordOff {
			r.lastRec[id] = cam.Record.Mode
			cam.Record.Mode = store.RecordOff
		}
	case "detect":
		cam.Detect.Enabled = on
	case "motion":
		cam.Motion.Enabled = on
	case "enabled":
		cam.Enabled = on
	default:
		r.s.log.Warn("MQTT command ignored: no such switch", "topic", c.topic)
		return
	}
	if before.Enabled == cam.Enabled && before.Record.Mode == cam.Record.Mode &&
		before.Detect.Enabled == cam.Detect.Enabled && before.Motion.Enabled == cam.Motion.Enabled {
		r.publishCamera(cam) // already so: echo the state
		return
	}
	if err := r.s.opt.Store.UpdateCamera(ctx, cam); err != nil {
		r.s.log.Warn("MQTT command failed", "topic", c.topic, "err", err)
		return
	}
	r.s.opt.Changed()
	r.s.log.Info("camera changed by MQTT", "camera", id, "switch", what, "on", on)
	r.publishCamera(cam)
	if r.cams[id] != nil {
		r.cams[id] = cam
	}
}
