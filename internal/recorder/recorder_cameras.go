package recorder

import (
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/mpegts"
)

// camConf is what Configure hands a camera's owner: its settings and its stream.
type camConf struct {
	set store.RecordSettings
	src mpegts.Source // nil: no stream (yet)
}

// Configure adds a camera or applies its changed settings (the supervisor's camera-set listener). A
// disabled camera is removed. It never waits for the camera's owner.
func (r *Recorder) Configure(cam store.Camera) {
	if !cam.Enabled {
		r.Remove(cam.ID)
		return
	}
	conf := camConf{set: cam.Record}
	if r.opt.Stream != nil {
		conf.src = r.opt.Stream(cam.ID)
	}
	r.mu.Lock()
	c := r.cams[cam.ID]
	if c == nil {
		c = newCamRec(r, cam.ID)
		r.cams[cam.ID] = c
		if r.runCtx != nil && r.runCtx.Err() == nil {
			r.start(c)
		}
	}
	r.mu.Unlock()
	c.configure(conf)
}

// Remove forgets a camera at once (removed or disabled): its open recording is finished, its pre-roll
// ring and the ring's files in the RAM dir are deleted, its stream reader is detached and its goroutine
// has ended when Remove returns.
func (r *Recorder) Remove(cameraID string) {
	r.mu.Lock()
	c := r.cams[cameraID]
	delete(r.cams, cameraID)
	var cancel func()
	if c != nil {
		cancel = c.cancel
	}
	r.mu.Unlock()
	if c == nil || cancel == nil { // unknown, or Run has not started its owner: nothing is open yet
		return
	}
	cancel()
	<-c.done
}

// configure hands conf to the owner (the latest wins).
func (c *camRec) configure(conf camConf) {
	set := conf.set
	c.settings.Store(&set)
	c.confMu.Lock()
	c.conf = &conf
	c.confMu.Unlock()
	select {
	case c.confKick <- struct{}{}:
	default:
	}
}

// applyConf is the owner's side of configure: a camera that records (events or continuous) reads its
// stream; with recording off it reads nothing, so it costs nothing and keeps nothing.
func (c *camRec) applyConf() {
	c.confMu.Lock()
	conf := c.conf
	c.conf = nil
	c.confMu.Unlock()
	if conf == nil {
		return
	}
	want := conf.src
	if conf.set.Mode == store.RecordOff {
		want = nil
	}
	if c.sub != nil && want == c.src {
		return
	}
	c.detach()
	c.src = want
	if want != nil {
		sub := want.Subscribe("recorder", queueLen)
		c.sub = sub
		c.stat.mu.Lock()
		c.stat.sub = sub
		c.stat.mu.Unlock()
	}
}

// detach closes the stream reader, keeping its drop count, and closes the segment of that stream.
func (c *camRec) detach() {
	if c.sub == nil {
		return
	}
	c.sub.Close()
	c.stat.mu.Lock()
	c.stat.droppedBefore += int64(c.sub.Drops())
	c.stat.sub = nil
	c.stat.mu.Unlock()
	c.sub, c.src = nil, nil
	c.endStream()
}

// endStream closes the open segment of a stream that ended (kept: it is whole).
func (c *camRec) endStream() {
	if s := c.seg.Flush(); s != nil {
		c.segment(*s)
	}
}
