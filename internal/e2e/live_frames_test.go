package e2e

import (
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// videoAUs counts the video access units that start in a live TS stream (one PES, one frame each).
func videoAUs(all []byte) int {
	var psi mpegts.PSI
	n := 0
	for off := 0; off+mpegts.PacketSize <= len(all); off += mpegts.PacketSize {
		p := all[off : off+mpegts.PacketSize]
		psi.Observe(p)
		if psi.VideoPID != 0 && mpegts.PID(p) == psi.VideoPID && mpegts.PUSI(p) {
			n++
		}
	}
	return n
}

// takeFrames waits until at least frames video access units have arrived since the last take (or the
// deadline passes, which is an error) and returns the messages.
func (r *liveReader) takeFrames(t *testing.T, frames int, deadline time.Duration) [][]byte {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		r.mu.Lock()
		var all []byte
		for _, m := range r.msgs {
			all = append(all, m...)
		}
		got, err := videoAUs(all), r.err
		if got >= frames || err != nil || time.Now().After(end) {
			m := r.msgs
			r.msgs = nil
			r.mu.Unlock()
			if got < frames {
				t.Errorf("live viewer: %d of %d frames within %s (%v)", got, frames, deadline, err)
			}
			return m
		}
		r.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
}
