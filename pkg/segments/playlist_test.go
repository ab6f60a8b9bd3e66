package segments

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parsedItem is a playlist entry read back from WritePlaylist's output.
type parsedItem struct {
	uri           string
	start         time.Time
	dur           float64
	discontinuity bool
}

// parsePlaylist reads back a media playlist, checking the header and the order of tags.
func parsePlaylist(t *testing.T, text string) (target int, items []parsedItem) {
	t.Helper()
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] != "" || lines[len(lines)-2] != "#EXT-X-ENDLIST" {
		t.Fatalf("playlist does not end with #EXT-X-ENDLIST and a newline:\n%s", text)
	}
	lines = lines[:len(lines)-2]
	head := []string{"#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:", "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"}
	for i, h := range head {
		if !strings.HasPrefix(lines[i], h) {
			t.Fatalf("header line %d is %q, want %q", i, lines[i], h)
		}
	}
	target, err := strconv.Atoi(strings.TrimPrefix(lines[2], head[2]))
	if err != nil {
		t.Fatal(err)
	}
	var cur parsedItem
	state := 0 // 0: expecting DISCONTINUITY or PROGRAM-DATE-TIME, 1: EXTINF, 2: URI
	for _, l := range lines[len(head):] {
		switch {
		case state == 0 && l == "#EXT-X-DISCONTINUITY" && !cur.discontinuity:
			cur.discontinuity = true
		case state == 0 && strings.HasPrefix(l, "#EXT-X-PROGRAM-DATE-TIME:"):
			v := strings.TrimPrefix(l, "#EXT-X-PROGRAM-DATE-TIME:")
			if cur.start, err = time.Parse(time.RFC3339Nano, v); err != nil || len(v) != len("2006-01-02T15:04:05.000Z") {
				t.Fatalf("bad PROGRAM-DATE-TIME %q (%v)", v, err)
			}
			state = 1
		case state == 1 && strings.HasPrefix(l, "#EXTINF:") && strings.HasSuffix(l, ","):
			v := strings.TrimSuffix(strings.TrimPrefix(l, "#EXTINF:"), ",")
			if i := strings.IndexByte(v, '.'); i < 0 || len(v)-i != 4 {
				t.Fatalf("EXTINF %q does not have three decimals", v)
			}
			if cur.dur, err = strconv.ParseFloat(v, 64); err != nil {
				t.Fatal(err)
			}
			state = 2
		case state == 2 && !strings.HasPrefix(l, "#"):
			cur.uri = l
			items = append(items, cur)
			cur, state = parsedItem{}, 0
		default:
			t.Fatalf("unexpected line %q (state %d) in:\n%s", l, state, text)
		}
	}
	if state != 0 || cur.discontinuity {
		t.Fatal("playlist ends in the middle of an item")
	}
	return target, items
}

func TestWritePlaylist(t *testing.T) {
	local := time.FixedZone("CET", 3600)
	in := []PlaylistItem{
		{URI: "seg/0.ts", Start: t0, Duration: 2 * time.Second},
		{URI: "seg/1.ts", Start: t0.Add(2 * time.Second), Duration: 2001 * time.Millisecond},
		// 0.5 s late: still continuous.
		{URI: "seg/2.ts", Start: t0.Add(4501 * time.Millisecond).In(local), Duration: 4200 * time.Millisecond},
		// 10 s gap: discontinuity without being asked.
		{URI: "seg/3.ts", Start: t0.Add(18701 * time.Millisecond), Duration: 1999500 * time.Microsecond},
		// Marked by the caller although continuous.
		{URI: "https://h/x.ts?a=b", Start: t0.Add(20700500 * time.Microsecond), Duration: 2 * time.Second, Discontinuity: true},
		// 1.2 s overlap (clock stepped back): discontinuity.
		{URI: "seg/5.ts", Start: t0.Add(21500 * time.Millisecond), Duration: 333 * time.Millisecond},
	}
	var buf bytes.Buffer
	if err := WritePlaylist(&buf, in); err != nil {
		t.Fatal(err)
	}
	target, got := parsePlaylist(t, buf.String())
	if target != 5 {
		t.Fatalf("TARGETDURATION %d, want 5 (4.2 s rounded up)", target)
	}
	if len(got) != len(in) {
		t.Fatalf("%d items read back, want %d", len(got), len(in))
	}
	wantDisc := []bool{false, false, false, true, true, true}
	wantDur := []float64{2, 2.001, 4.2, 2.0, 2, 0.333} // 1.9995 s prints as 2.000
	for i, g := range got {
		if g.uri != in[i].URI || !g.start.Equal(in[i].Start.Truncate(time.Millisecond)) || g.dur != wantDur[i] || g.discontinuity != wantDisc[i] {
			t.Fatalf("item %d read back as %+v, want %+v (discontinuity %v, %.3f s)", i, g, in[i], wantDisc[i], wantDur[i])
		}
	}
	if !strings.Contains(buf.String(), "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T10:00:04.501Z\n") {
		t.Fatalf("times are not written in UTC with milliseconds:\n%s", buf.String())
	}
}

func TestWritePlaylistEdges(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePlaylist(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if target, items := parsePlaylist(t, buf.String()); target != 1 || len(items) != 0 {
		t.Fatalf("empty playlist: target %d, %d items", target, len(items))
	}
	// Exactly 3.000 s does not round up to 4; the first item never gets a discontinuity.
	buf.Reset()
	if err := WritePlaylist(&buf, []PlaylistItem{{URI: "a", Start: t0, Duration: 3 * time.Second, Discontinuity: true}}); err != nil {
		t.Fatal(err)
	}
	if target, items := parsePlaylist(t, buf.String()); target != 3 || items[0].discontinuity {
		t.Fatalf("3 s item: target %d, discontinuity %v", target, items[0].discontinuity)
	}
	for _, bad := range []PlaylistItem{{URI: "", Duration: time.Second}, {URI: "a\nb", Duration: time.Second}, {URI: "a"}} {
		if err := WritePlaylist(&buf, []PlaylistItem{bad}); err == nil {
			t.Fatalf("WritePlaylist accepted %+v", bad)
		}
	}
	if err := WritePlaylist(failingWriter{}, []PlaylistItem{{URI: "a", Duration: time.Second}}); err == nil {
		t.Fatal("a write error was not returned")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk gone") }
