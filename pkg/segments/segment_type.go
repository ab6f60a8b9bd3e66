package segments

import "time"

// Segment is a piece of a camera's MPEG-TS stream made by a Segmenter. Data starts with a PAT packet, a
// PMT packet and the first packet of a keyframe, and holds whole 188-byte packets. The one exception is
// the continuation of a segment cut because it hit the size or time cap between keyframes: it has
// Keyframes == 0, decodes only after its predecessor, and ends at the next keyframe.
type Segment struct {
	Seq       uint64        // 0, 1, 2, … per Segmenter
	Start     time.Time     // wall clock of the first frame (see Segmenter for how it is derived)
	Duration  time.Duration // from PTS: the next segment's first PTS minus this one's
	Data      []byte        // the packets; owned by the caller
	Keyframes int           // keyframes in the segment (1 when the GOP is as long as the target)
	FirstPTS  int64         // raw 33-bit PTS of the first frame, in 90 kHz ticks
	// Discontinuity is true when this segment does not continue the previous one: the first segment of
	// a stream, and the first after a PTS jump, after Flush or after data was dropped.
	Discontinuity bool
}

// End returns Start + Duration.
func (s Segment) End() time.Time { return s.Start.Add(s.Duration) }
