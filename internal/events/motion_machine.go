package events

import "time"

// motionMachine decides when a camera's motion event opens, goes on and closes, from one
// keyframe's motion at a time. It is pure: it keeps times, scores and the peak keyframe (F,
// whatever the caller wants back as the event's snapshot), and stores, triggers and logs
// nothing; the camera acts on its decisions.
//
// An event opens when minFrames consecutive keyframes have motion, at the first of them,
// with the peak of that run; it goes on with every keyframe with motion; it closes at the
// last keyframe with motion once postRoll has passed without any.
type motionMachine[F any] struct {
	minFrames int
	postRoll  time.Duration

	// the current run of consecutive keyframes with motion
	runLen       int
	runStart     time.Time
	runPeak      float64
	runPeakFrame F

	// the open event
	open      bool
	start     time.Time
	last      time.Time // the last keyframe with motion
	peak      float64
	peakFrame F
}

// motionDecision is what one keyframe changed. At most one of Opened, Extended and Closed
// is set; the other fields describe the event (after this keyframe) whenever one is.
type motionDecision[F any] struct {
	Opened   bool // an event opened with this keyframe
	Extended bool // the open event saw motion again
	Closed   bool // the open event ended (at Last)

	Start     time.Time // when the event began
	Last      time.Time // the event's last keyframe with motion: its end once closed
	Peak      float64   // the event's peak score
	PeakFrame F         // the keyframe with that score
	NewPeak   bool      // Peak and PeakFrame are new with this keyframe (always on Opened)
}

// setParams changes the run length that opens an event and the quiet time that closes one;
// an open event keeps going under the new ones.
func (m *motionMachine[F]) setParams(minFrames int, postRoll time.Duration) {
	m.minFrames, m.postRoll = max(minFrames, 1), max(postRoll, 0)
}

// isOpen says whether an event is open.
func (m *motionMachine[F]) isOpen() bool { return m.open }

// openSince returns the open event's start and last keyframe with motion.
func (m *motionMachine[F]) openSince() (start, last time.Time) { return m.start, m.last }

// opensWithNext says whether a keyframe with motion at this point would open an event.
func (m *motionMachine[F]) opensWithNext() bool { return !m.open && m.runLen+1 >= m.minFrames }

// step takes one keyframe at t with its motion score; moving says it counts as motion (at
// or above the threshold and no global change). frame is kept while it is the peak.
func (m *motionMachine[F]) step(t time.Time, score float64, moving bool, frame F) motionDecision[F] {
	var zero F
	if moving {
		if m.runLen == 0 {
			m.runStart, m.runPeak = t, -1
		}
		m.runLen++
		if score > m.runPeak {
			m.runPeak, m.runPeakFrame = score, frame
		}
	} else {
		m.runLen, m.runPeakFrame = 0, zero
	}

	if !m.open {
		if !moving || m.runLen < m.minFrames {
			return motionDecision[F]{}
		}
		m.open = true
		m.start, m.last, m.peak, m.peakFrame = m.runStart, t, m.runPeak, m.runPeakFrame
		m.runPeakFrame = zero
		d := m.decision()
		d.Opened, d.NewPeak = true, true
		return d
	}
	if moving {
		m.last = t
		newPeak := score > m.peak
		if newPeak {
			m.peak, m.peakFrame = score, frame
		}
		d := m.decision()
		d.Extended, d.NewPeak = true, newPeak
		return d
	}
	if t.Sub(m.last) >= m.postRoll {
		return m.close()
	}
	return motionDecision[F]{}
}

// close ends the open event now (the camera stalled, stopped, or motion was switched off)
// and forgets the current run. Closed is false when no event was open.
func (m *motionMachine[F]) close() motionDecision[F] {
	var zero F
	m.runLen, m.runPeakFrame = 0, zero
	if !m.open {
		return motionDecision[F]{}
	}
	d := m.decision()
	d.Closed = true
	m.open, m.peakFrame = false, zero
	return d
}

func (m *motionMachine[F]) decision() motionDecision[F] {
	return motionDecision[F]{Start: m.start, Last: m.last, Peak: m.peak, PeakFrame: m.peakFrame}
}
