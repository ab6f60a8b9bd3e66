package worker

import (
	"errors"
	"strings"
	"testing"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
)

func TestPickMedia(t *testing.T) {
	video := func(f format.Format) *description.Media {
		return &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{f}}
	}
	audio := func(f format.Format) *description.Media {
		return &description.Media{Type: description.MediaTypeAudio, Formats: []format.Format{f}}
	}
	const u = "rtsp://10.0.0.9/stream"
	cases := []struct {
		name   string
		medias []*description.Media
		want   Media
		err    string
	}{
		{"h265+pcma", []*description.Media{video(&format.H265{PayloadTyp: 96}), audio(&format.G711{PayloadTyp: 8, SampleRate: 8000, ChannelCount: 1})},
			Media{Video: CodecH265, Audio: AudioPCMA, AudioSeen: AudioPCMA}, ""},
		{"h264+pcmu", []*description.Media{video(&format.H264{PayloadTyp: 96}), audio(&format.G711{PayloadTyp: 0, MULaw: true, SampleRate: 8000, ChannelCount: 1})},
			Media{Video: CodecH264, Audio: AudioPCMU, AudioSeen: AudioPCMU}, ""},
		{"h264+opus", []*description.Media{video(&format.H264{PayloadTyp: 96}), audio(&format.Opus{PayloadTyp: 111, ChannelCount: 2})},
			Media{Video: CodecH264, Audio: AudioOpus, AudioSeen: AudioOpus}, ""},
		{"h264+g722", []*description.Media{video(&format.H264{PayloadTyp: 96}), audio(&format.G722{})},
			Media{Video: CodecH264, AudioNote: "audio not recorded: the camera sends G722 audio, which nvr cannot convert (set it to AAC or G.711)"}, ""},
		{"mjpeg", []*description.Media{video(&format.MJPEG{})}, Media{}, "camera at 10.0.0.9:554 sends M-JPEG video, not H.264 or H.265"},
		{"audio only", []*description.Media{audio(&format.G711{PayloadTyp: 8, SampleRate: 8000, ChannelCount: 1})}, Media{}, "sends no video"},
	}
	for _, c := range cases {
		got, err := pickMedia(u, &description.Session{Medias: c.medias})
		if c.err != "" {
			var se *StreamError
			if !errors.As(err, &se) || !strings.Contains(se.Message, c.err) {
				t.Errorf("%s: error %v, want a StreamError saying %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}
