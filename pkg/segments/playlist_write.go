package segments

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// DiscontinuityGap is the largest gap (or overlap) between one playlist item's end and the next one's
// start that WritePlaylist still treats as continuous.
const DiscontinuityGap = time.Second

// PlaylistItem is one segment of an HLS playlist.
type PlaylistItem struct {
	URI      string // as the player should fetch it, relative to the playlist or absolute
	Start    time.Time
	Duration time.Duration
	// Discontinuity marks a break before this item (new recording, new stream, changed encoding).
	// WritePlaylist also marks one by itself where items are more than DiscontinuityGap apart.
	Discontinuity bool
}

// WritePlaylist writes an HLS VOD media playlist (version 3) of items in order: EXT-X-TARGETDURATION
// is the longest item rounded up to whole seconds, each item gets EXT-X-PROGRAM-DATE-TIME (UTC, with
// milliseconds) and EXTINF with three decimals, and EXT-X-DISCONTINUITY precedes items marked as such
// or separated from their predecessor by more than DiscontinuityGap.
func WritePlaylist(w io.Writer, items []PlaylistItem) error {
	target := int64(1)
	for i, it := range items {
		if it.URI == "" || strings.ContainsAny(it.URI, "\r\n") {
			return fmt.Errorf("playlist item %d: URI %q is empty or spans lines", i, it.URI)
		}
		if it.Duration <= 0 {
			return fmt.Errorf("playlist item %d (%s): duration %v is not positive", i, it.URI, it.Duration)
		}
		ms := it.Duration.Round(time.Millisecond).Milliseconds()
		target = max(target, (ms+999)/1000)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n", target)
	for i, it := range items {
		if i > 0 {
			gap := it.Start.Sub(items[i-1].Start.Add(items[i-1].Duration))
			if it.Discontinuity || gap > DiscontinuityGap || gap < -DiscontinuityGap {
				bw.WriteString("#EXT-X-DISCONTINUITY\n")
			}
		}
		fmt.Fprintf(bw, "#EXT-X-PROGRAM-DATE-TIME:%s\n#EXTINF:%.3f,\n%s\n",
			it.Start.UTC().Format("2006-01-02T15:04:05.000Z07:00"), it.Duration.Seconds(), it.URI)
	}
	bw.WriteString("#EXT-X-ENDLIST\n")
	return bw.Flush()
}
