package gstpipe

// The substream's TS (the grid tiles' live stream) is muxed into its FIFO only while nvrd has a viewer
// on it: muxing, writing and nvrd's read and parse of a stream nobody watches cost about as much as
// analysing it. nvrd tells the worker (ipc.KindSubRelay); the valve "subrelay" before the TS branch's
// queue is closed meanwhile, and opens at the next keyframe once asked, so the FIFO resumes with a
// picture a player can start from. The keyframe branch never depends on it.

// SetSubRelay says whether someone watches the substream (nvrd's viewers of its live stream). It may
// be called from any goroutine; the valve follows on the substream's next keyframe (opening) or
// buffer (closing). See worker.SubRelayer.
func (p *Pipeline) SetSubRelay(on bool) {
	if p.sub != nil {
		p.sub.wantRelay.Store(on)
	}
}

// relayAt runs on the substream tee's streaming thread for each buffer (key says it is a keyframe):
// it opens the relay valve at a keyframe when wanted, and closes it when no longer wanted.
func (s *substream) relayAt(key bool) {
	want := s.wantRelay.Load()
	if want == s.relaying || s.relayValve == nil || (want && !key) {
		return
	}
	if err := s.relayValve.SetProperty("drop", !want); err == nil {
		s.relaying = want
	}
}
