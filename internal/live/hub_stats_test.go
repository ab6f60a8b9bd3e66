package live

import (
	"testing"
	"time"
)

// The hub counts video frames (for the frame rate) and the packets its readers dropped, including
// readers that have left.
func TestHubStatsFramesAndDrops(t *testing.T) {
	h := NewHub()
	now := time.Now()
	h.Write(cat(pat(), pmt(), video(true, 1)), now)
	slow := h.Join()
	for i := 0; i < viewerQueueLen+20; i++ {
		h.Write(video(false, 9), now)
	}
	st := h.Stats()
	if st.Frames != uint64(viewerQueueLen+21) {
		t.Fatalf("frames %d, want %d (every video packet here starts an access unit)", st.Frames, viewerQueueLen+21)
	}
	d := slow.Dropped.Load()
	if d == 0 || st.Dropped != d {
		t.Fatalf("hub dropped %d, the slow viewer %d", st.Dropped, d)
	}
	h.Leave(slow)
	if st := h.Stats(); st.Dropped != d {
		t.Fatalf("after the viewer left the hub says %d dropped, want %d", st.Dropped, d)
	}
}
