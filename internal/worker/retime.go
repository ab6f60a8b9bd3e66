package worker

import "time"

// Thresholds of a timestamp jump (Retimer): presentation times run ahead of the newest one by less
// than JumpForward between two pictures of a working camera, and behind it (B-frames, shown after the
// pictures sent after them) by less than JumpBackward.
const (
	JumpForward  = 5 * time.Second
	JumpBackward = 2 * time.Second
)

// Retimer makes a camera's presentation times continuous across a jump of its RTP timestamps (the
// camera rebooted, its clock was set, its timestamps wrapped or restarted): a time more than
// JumpForward after the newest one so far, or more than JumpBackward before it, starts a new base, and
// the pictures from there on follow the newest one by one frame interval. Everything downstream (the
// parser's decode times, the muxer, nvrd's segment durations, the live players) then sees a stream
// whose times only move by the camera's frame rate. The zero value is ready; it is used by one
// streaming thread.
type Retimer struct {
	started bool
	offset  int64 // added to every input time (ns)
	maxIn   int64 // the newest input time since the last jump
	lastIn  int64 // the previous input time
	step    int64 // the smallest forward step seen between two pictures: one frame interval
}

// Fix returns the corrected time of a buffer whose presentation time is pts (ns), and the jump it
// found (the input's step minus the frame interval; 0 when there was none).
func (r *Retimer) Fix(pts int64) (out int64, jump time.Duration) {
	if !r.started {
		r.started, r.maxIn, r.lastIn = true, pts, pts
		return pts, 0
	}
	d := pts - r.maxIn
	if s := pts - r.lastIn; s > 0 && s <= int64(JumpForward) && (r.step == 0 || s < r.step) {
		r.step = s
	}
	r.lastIn = pts
	switch {
	case d > int64(JumpForward) || d < -int64(JumpBackward):
		step := r.step
		if step == 0 {
			step = int64(40 * time.Millisecond)
		}
		newOffset := r.maxIn + r.offset + step - pts
		jump = time.Duration(d - step)
		r.offset, r.maxIn = newOffset, pts
	case d > 0:
		r.maxIn = pts
	}
	return pts + r.offset, jump
}
