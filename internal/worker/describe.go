package worker

import (
	"fmt"

	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
)

// Video codecs a camera may send, as the status API names them.
const (
	CodecH264 = "h264"
	CodecH265 = "h265"
)

// Audio is what the worker does with a camera's audio track.
type Audio string

// The audio a pipeline handles: AAC passes through, G.711 and Opus are transcoded to AAC (the one
// place nvr re-encodes anything: browsers cannot play them from MPEG-TS).
const (
	AudioNone Audio = ""     // no audio track, or one the worker cannot handle
	AudioAAC  Audio = "aac"  // mpeg4-generic, passed through
	AudioLATM Audio = "latm" // MP4A-LATM, passed through as AAC
	AudioPCMA Audio = "pcma" // G.711 A-law, transcoded
	AudioPCMU Audio = "pcmu" // G.711 µ-law, transcoded
	AudioOpus Audio = "opus" // transcoded
)

// Media is what a camera announces in its SDP, as far as the pipeline cares.
type Media struct {
	Video string // CodecH264 or CodecH265
	Audio Audio
	// AudioSeen is the audio the camera announced, whether or not the pipeline carries it.
	AudioSeen Audio
	// AudioNote says in plain words why a camera's audio track is not recorded, or "".
	AudioNote string
	// Transport is how RTP comes: TransportTCP (interleaved in the RTSP connection, tried first) or
	// TransportUDP (the camera refused TCP). See variants.go.
	Transport string
	// TLSFingerprint is the SHA-256 of an rtsps:// camera's certificate (hex), or "".
	TLSFingerprint string
}

// describeTimeout bounds the DESCRIBE that finds out a camera's codecs.
const describeTimeout = 10 * time.Second

// Describe asks an RTSP camera for its session description and picks the video codec and the audio
// the pipeline will carry. An error means the camera could not be asked (the pipeline then tries
// H.264 and GStreamer's own error explains the failure); an unsupported video codec is a *StreamError.
func Describe(rawURL string) (Media, error) {
	u, err := base.ParseURL(rawURL)
	if err != nil {
		return Media{}, err
	}
	if u.Scheme == "rtsps" {
		// A camera that does not speak TLS would keep the DESCRIBE waiting: shake hands first.
		if msg := diagnoseTLS(rawURL); msg != "" {
			return Media{}, &StreamError{Message: msg, Detail: "TLS handshake"}
		}
	}
	tcp := gortsplib.TransportTCP
	var fp fingerprint
	c := gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Transport: &tcp, ReadTimeout: describeTimeout, WriteTimeout: describeTimeout,
		TLSConfig: fp.tlsConfig(), DialContext: dialDeadline}
	if err := c.Start2(); err != nil {
		return Media{}, explainDescribe(rawURL, err)
	}
	defer c.Close()
	desc, _, err := c.Describe(u)
	if err != nil {
		return Media{}, explainDescribe(rawURL, err)
	}
	m, err := pickMedia(rawURL, desc)
	if err != nil {
		return m, err
	}
	m.TLSFingerprint = fp.get()
	if m.Transport, err = tryTCP(rawURL, &c, desc); err != nil {
		return m, err
	}
	return m, nil
}

// pickMedia chooses the first H.264 or H.265 video format and the first audio format of desc.
func pickMedia(rawURL string, desc *description.Session) (Media, error) {
	var m Media
	var otherVideo, otherAudio string
	for _, md := range desc.Medias {
		for _, f := range md.Formats {
			switch ff := f.(type) {
			case *format.H264:
				if m.Video == "" {
					m.Video = CodecH264
				}
			case *format.H265:
				if m.Video == "" {
					m.Video = CodecH265
				}
			case *format.MPEG4Audio:
				if m.Audio == AudioNone {
					m.Audio = AudioAAC
				}
			case *format.MPEG4AudioLATM:
				if m.Audio == AudioNone {
					m.Audio = AudioLATM
				}
			case *format.G711:
				if m.Audio == AudioNone {
					if ff.MULaw {
						m.Audio = AudioPCMU
					} else {
						m.Audio = AudioPCMA
					}
				}
			case *format.Opus:
				if m.Audio == AudioNone {
					m.Audio = AudioOpus
				}
			default:
				switch md.Type {
				case description.MediaTypeVideo:
					otherVideo = f.Codec()
				case description.MediaTypeAudio:
					otherAudio = f.Codec()
				}
			}
		}
	}
	if m.Video == "" {
		what := "no video"
		if otherVideo != "" {
			what = otherVideo + " video"
		}
		return m, &StreamError{
			Message: fmt.Sprintf("camera at %s sends %s, not H.264 or H.265 (nvr records them without re-encoding; set the camera's codec to H.264 or H.265)", hostOf(rawURL), what),
			Detail:  "SDP: " + what,
		}
	}
	m.AudioSeen = m.Audio
	if m.Audio == AudioNone && otherAudio != "" {
		m.AudioNote = fmt.Sprintf("audio not recorded: the camera sends %s audio, which nvr cannot convert (set it to AAC or G.711)", otherAudio)
	}
	return m, nil
}
