package segments

import (
	"bytes"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// TestWriteBatchMatchesWrite: the segmenter cuts a stream marked by the live stream's parser (one
// mpegts.Marker fed FIFO-sized reads, with B-frames) exactly as it cuts the raw packets, without parsing
// them again.
func TestWriteBatchMatchesWrite(t *testing.T) {
	ts := clip(t, bframeClip)
	at := time.Unix(1_700_000_000, 0)

	whole := NewSegmenter(time.Second)
	want := whole.Write(ts, at)
	if s := whole.Flush(); s != nil {
		want = append(want, *s)
	}

	var m mpegts.Marker
	marked := NewSegmenter(time.Second)
	var got []Segment
	for off := 0; off < len(ts); off += 4093 { // odd read sizes: packets split across reads
		b := m.Feed(ts[off:min(off+4093, len(ts))], at)
		got = append(got, marked.WriteBatch(b)...)
	}
	if s := marked.Flush(); s != nil {
		got = append(got, *s)
	}
	if len(want) < 4 || len(got) != len(want) {
		t.Fatalf("marked stream cut into %d segments, raw into %d (want ≥ 4)", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Duration != w.Duration || g.Keyframes != w.Keyframes || g.FirstPTS != w.FirstPTS || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("segment %d differs: marked %v/%d keys/pts %d/%d bytes, raw %v/%d/%d/%d",
				i, g.Duration, g.Keyframes, g.FirstPTS, len(g.Data), w.Duration, w.Keyframes, w.FirstPTS, len(w.Data))
		}
	}
}
