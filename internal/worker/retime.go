package worker

import "time"

// Thresholds of a timestamp jump (Retimer): presentation times run ahead of the newest one by less
// than JumpForward between two pictures of a working camera (more only when the pictures really were
// that far apart: the camera or the network paused), and behind it (B-frames, shown after the pictures
// sent after them) by less than JumpBackward.
const (
	JumpForward  = 5 * time.Second
	JumpBackward = 2 * time.Second
)

// realGapSlack is how much further a forward step may run than the time that passed between the two
// pictures' arrivals and still be a real pause (the camera or the network stopped), not a jump.
const realGapSlack = time.Second

// Retimer makes a camera's presentation times continuous across a jump of its RTP timestamps (the
// camera's clock was set, its timestamps restarted at another value or wrapped wrongly): a time more
// than JumpForward after the newest one so far — unless about that much time really passed since the
// newest arrived —, or more than JumpBackward before it, starts a new base, and the pictures from there
// on follow the newest one by one frame interval. Everything downstream (the parser's decode times, the
// muxer, nvrd's segment durations, the live players) then sees a stream whose times only move by the
// camera's frame rate, or by a pause that really happened. The zero value is ready; it is used by one
// streaming thread.
type Retimer struct {
	started bool
	offset  int64 // added to every input time (ns)
	maxIn   int64 // the newest input time since the last jump
	maxAt   int64 // when the newest arrived (ns, monotonic)
	lastIn  int64 // the previous input time
	step    int64 // the smallest forward step seen between two pictures: one frame interval
}

// Fix returns the corrected time of a buffer whose presentation time is pts (ns) and that arrived at
// now (ns on any monotonic clock), and the jump it found (the input's step minus the frame interval;
// 0 when there was none).
func (r *Retimer) Fix(pts, now int64) (out int64, jump time.Duration) {
	if !r.started {
		r.started, r.maxIn, r.maxAt, r.lastIn = true, pts, now, pts
		return pts, 0
	}
	d := pts - r.maxIn
	if s := pts - r.lastIn; s > 0 && s <= int64(JumpForward) && (r.step == 0 || s < r.step) {
		r.step = s
	}
	r.lastIn = pts
	realPause := d <= now-r.maxAt+int64(realGapSlack)
	switch {
	case (d > int64(JumpForward) && !realPause) || d < -int64(JumpBackward):
		step := r.step
		if step == 0 {
			step = int64(40 * time.Millisecond)
		}
		newOffset := r.maxIn + r.offset + step - pts
		jump = time.Duration(d - step)
		r.offset, r.maxIn, r.maxAt = newOffset, pts, now
	case d > 0:
		r.maxIn, r.maxAt = pts, now
	}
	return pts + r.offset, jump
}
