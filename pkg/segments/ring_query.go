package segments

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// RingEntry describes one segment held by a Ring.
type RingEntry struct {
	Seq       uint64 // the Segment's Seq
	Start     time.Time
	Duration  time.Duration
	Size      int64  // bytes
	Path      string // the file in the ring's directory
	Keyframes int
}

// End returns Start + Duration.
func (e RingEntry) End() time.Time { return e.Start.Add(e.Duration) }

// Since returns the segments that end after t, oldest first: the pre-roll for an event at t+keep.
func (r *Ring) Since(t time.Time) []RingEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []RingEntry
	for _, e := range r.entries {
		if e.End().After(t) {
			out = append(out, e)
		}
	}
	return out
}

// Read returns the bytes of a segment listed by Since. It fails when the ring evicted the segment in the
// meantime (the error then wraps os.ErrNotExist).
func (r *Ring) Read(e RingEntry) ([]byte, error) {
	b, err := os.ReadFile(e.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("pre-roll segment %d is no longer in the ring (evicted): %w", e.Seq, err)
	}
	if err != nil {
		return nil, fmt.Errorf("pre-roll segment %d: %w", e.Seq, err)
	}
	return b, nil
}
