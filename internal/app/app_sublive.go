package app

import "github.com/nvrproject/nvr/internal/api"

// SubLive is the substream's live stream while it works, else nil. See api.SubLiver.
func (p apiPipeline) SubLive() api.LiveStream {
	if h := p.c.SubLive(); h != nil {
		return h
	}
	return nil
}
