package e2e

import (
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// TestSubstreamRelayedOnlyWhileWatched: the worker writes the substream's TS only while someone
// watches it. Unwatched, the substream's hub gets no bytes while its keyframes are still analysed
// (the snapshot, 640×360, keeps changing); a grid tile's viewer gets the substream (640 wide, from a
// keyframe: ffprobe decodes it); after the viewer leaves, the bytes stop again once the linger is over,
// and a viewer after that gets the resumed stream.
func TestSubstreamRelayedOnlyWhileWatched(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	need(t)
	_, n, c := startDualCamera(t, map[string]any{"mode": "off"})
	id := c["id"].(string)
	n.waitStatus(id, 45*time.Second, "streaming with the substream", func(s supervisor.Status) bool {
		return s.State == supervisor.StateStreaming && s.Substream != nil && s.Substream.State == ipc.SubStreaming
	})
	n.waitSnapshot(id, 640, 360, 20*time.Second)
	cam := n.sup.Camera(id)
	subBytes := func() uint64 {
		s := cam.SubLive()
		if s == nil {
			t.Fatal("the camera has no working substream")
		}
		return s.Stats().BytesIn
	}
	// unwatched checks that the substream's hub gets nothing for 3 s while its keyframes are analysed.
	unwatched := func(when string) {
		t.Helper()
		b0, k0 := subBytes(), cam.Snapshot()
		time.Sleep(3 * time.Second)
		if b1 := subBytes(); b1 != b0 {
			t.Fatalf("%s: the substream's hub got %d bytes in 3 s with nobody watching it", when, b1-b0)
		}
		if k1 := cam.Snapshot(); k1 == nil || k1 == k0 || !k1.Sub || k1.Width != 640 {
			t.Fatalf("%s: no new substream keyframe analysed in 3 s (%+v)", when, k1)
		}
	}
	unwatched("before any viewer")

	if w := n.liveWidth(id, "?stream=sub"); w != 640 {
		t.Fatalf("the grid's live stream is %d wide, want the substream's 640", w)
	}
	if subBytes() == 0 {
		t.Fatal("a viewer of the substream got its stream, but the hub counted no bytes")
	}
	// The viewer left; after the linger the worker stops relaying (allow a second for the last bytes).
	time.Sleep(supervisor.SubRelayLinger + time.Second)
	unwatched("after the viewer left")
	// Watched again: the relay resumes at a keyframe, and the hub hands out the new stream, not the
	// pictures from before the pause.
	if w := n.liveWidth(id, "?stream=sub"); w != 640 {
		t.Fatalf("watched again, the grid's live stream is %d wide, want 640", w)
	}
}
