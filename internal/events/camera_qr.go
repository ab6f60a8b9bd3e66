package events

import (
	"context"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// onQR makes an event for each text not read in the last qrRepeat.
func (c *camera) onQR(ctx context.Context, t time.Time, frame []byte, texts []string) {
	for _, text := range texts {
		c.stats.qrCodes.Add(1)
		if last, ok := c.qrSeen[text]; ok {
			if d := t.Sub(last); d < qrRepeat && d > -qrRepeat {
				if d > 0 {
					c.qrSeen[text] = t
				}
				continue
			}
		}
		c.qrSeen[text] = t
		c.create(ctx, &Event{CameraID: c.id, Kind: store.EventQR, Start: t, End: t, Text: text, Snapshot: frame})
	}
	for text, last := range c.qrSeen {
		if d := t.Sub(last); d >= qrRepeat || d <= -qrRepeat {
			delete(c.qrSeen, text)
		}
	}
}
