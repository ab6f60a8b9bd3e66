package segments

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzWritePlaylist writes playlists of arbitrary items (durations, starts, gaps taken from the input,
// as a damaged index could give them): the result is always a well-formed VOD playlist whose target
// duration covers every segment and whose entries are the items, in order.
func FuzzWritePlaylist(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0x1e, 0x84, 0x80, 0, 1})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		var items []PlaylistItem
		start := time.Unix(1700000000, 0)
		for len(data) >= 9 {
			d := time.Duration(binary.BigEndian.Uint32(data)) * time.Microsecond
			gap := time.Duration(int32(binary.BigEndian.Uint32(data[4:]))) * time.Millisecond
			items = append(items, PlaylistItem{URI: "segments/" + strconv.Itoa(len(items)) + ".ts", Start: start, Duration: d, Discontinuity: data[8]&1 == 1})
			start = start.Add(d + gap)
			data = data[9:]
		}
		var buf bytes.Buffer
		if err := WritePlaylist(&buf, items); err != nil {
			return
		}
		out := buf.String()
		if !strings.HasPrefix(out, "#EXTM3U\n") {
			t.Fatalf("no #EXTM3U header:\n%s", out)
		}
		var target float64 = -1
		n := 0
		lines := strings.Split(out, "\n")
		for i, l := range lines {
			if v, ok := strings.CutPrefix(l, "#EXT-X-TARGETDURATION:"); ok {
				target, _ = strconv.ParseFloat(v, 64)
			}
			if v, ok := strings.CutPrefix(l, "#EXTINF:"); ok {
				d, err := strconv.ParseFloat(strings.TrimSuffix(v, ","), 64)
				if err != nil || d < 0 || math.IsNaN(d) {
					t.Fatalf("bad #EXTINF %q", l)
				}
				if target >= 0 && math.Round(d) > target {
					t.Fatalf("segment of %.3f s over the target duration %v", d, target)
				}
				if i+1 >= len(lines) || lines[i+1] != items[n].URI {
					t.Fatalf("#EXTINF %d is not followed by its URI", n)
				}
				n++
			}
		}
		if n != len(items) {
			t.Fatalf("%d entries for %d items", n, len(items))
		}
	})
}
