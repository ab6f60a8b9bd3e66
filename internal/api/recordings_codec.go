package api

import (
	"net/http"
	"path/filepath"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/segments"
)

// VideoCodecHeader names the header on a playlist response that says the video codec of its footage
// ("h264" or "h265", from the first segment's PMT), so a player can tell before it fails that the
// browser cannot decode it. Left out when the segment cannot be read.
const VideoCodecHeader = "X-Video-Codec"

// setVideoCodec sets VideoCodecHeader from the segment file of rec.
func (s *Server) setVideoCodec(w http.ResponseWriter, rec *store.Recording, file string) {
	codec, err := segments.VideoCodecOfFile(filepath.Join(s.opt.Recorder.Root(), rec.Dir, file))
	if err == nil && codec != "" {
		w.Header().Set(VideoCodecHeader, codec)
	}
}
