// Package tsprobe describes a few seconds of an MPEG-TS stream as a person setting up a camera needs
// it: the video codec, its profile and picture size (from the SPS), frame rate, keyframe interval and
// bitrate, and the audio codec if there is one. It reads the TS with mediacommon's demuxer and the SPS
// with mediacommon's parsers.
package tsprobe

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"
)

// Video describes the video track.
type Video struct {
	Codec   string `json:"codec"`   // "h264" or "h265" (others: their name, no details)
	Profile string `json:"profile"` // e.g. "High", "Main", "Constrained Baseline"
	// ProfileIDC and ChromaFormat are the SPS fields the profile name comes from.
	ProfileIDC int     `json:"-"`
	Width      int     `json:"width"`
	Height     int     `json:"height"`
	FPS        float64 `json:"fps"`
	// KeyframeIntervalS is the mean time between keyframes, 0 when fewer than two were seen (then
	// KeyframesSeen says so and SpanS is a lower bound of the interval).
	KeyframeIntervalS float64 `json:"keyframe_interval_s"`
	BitrateBPS        int64   `json:"bitrate_bps"`
	// What the figures were measured on.
	KeyframesSeen int     `json:"-"`
	Frames        int     `json:"-"`
	SpanS         float64 `json:"-"`
}

// Audio describes the audio track.
type Audio struct {
	Codec      string `json:"codec"` // "aac", "opus", "mp3", "ac3"
	SampleRate int    `json:"sample_rate"`
}

// Result is what Analyze found. Audio is nil without an audio track.
type Result struct {
	Video *Video
	Audio *Audio
}

// Enough reports whether a probe has seen enough of the stream to stop: two keyframes and a second
// of video after the first.
func (v *Video) Enough() bool { return v != nil && v.KeyframesSeen >= 3 && v.SpanS >= 1 }

// Analyze reads the whole of ts (188-byte packets starting with PAT and PMT).
func Analyze(ts []byte) (*Result, error) {
	r := &mpegts.Reader{R: bytes.NewReader(ts)}
	if err := r.Initialize(); err != nil {
		return nil, fmt.Errorf("the stream has no readable program table: %w", err)
	}
	res := &Result{}
	var vt *mpegts.Track
	for _, t := range r.Tracks() {
		switch c := t.Codec.(type) {
		case *mpegts.CodecH264:
			if vt == nil {
				vt, res.Video = t, &Video{Codec: "h264"}
			}
		case *mpegts.CodecH265:
			if vt == nil {
				vt, res.Video = t, &Video{Codec: "h265"}
			}
		case *mpegts.CodecMPEG4Video:
			if vt == nil {
				res.Video = &Video{Codec: "mpeg4"}
			}
		case *mpegts.CodecMPEG1Video:
			if vt == nil {
				res.Video = &Video{Codec: "mpeg2"}
			}
		case *mpegts.CodecMPEG4Audio:
			if res.Audio == nil {
				res.Audio = &Audio{Codec: "aac", SampleRate: c.SampleRate}
			}
		case *mpegts.CodecOpus:
			if res.Audio == nil {
				res.Audio = &Audio{Codec: "opus", SampleRate: 48000}
			}
		case *mpegts.CodecMPEG1Audio:
			if res.Audio == nil {
				res.Audio = &Audio{Codec: "mp3"}
			}
		case *mpegts.CodecAC3:
			if res.Audio == nil {
				res.Audio = &Audio{Codec: "ac3", SampleRate: c.SampleRate}
			}
		}
	}
	if res.Video == nil {
		return nil, errors.New("the stream has no video track")
	}
	if vt == nil {
		return res, nil // a codec nvr does not read: the caller says so
	}
	m := &measure{v: res.Video}
	r.OnDecodeError(func(error) {})
	if res.Video.Codec == "h264" {
		r.OnDataH264(vt, func(pts, dts int64, au [][]byte) error {
			for _, n := range au {
				if len(n) > 0 && h264.NALUType(n[0]&0x1f) == h264.NALUTypeSPS && res.Video.Width == 0 {
					var sps h264.SPS
					if sps.Unmarshal(n) == nil {
						res.Video.Width, res.Video.Height = sps.Width(), sps.Height()
						res.Video.ProfileIDC = int(sps.ProfileIdc)
						res.Video.Profile = h264Profile(&sps)
					}
				}
			}
			m.frame(dts, au, h264.IsRandomAccess(au))
			return nil
		})
	} else {
		r.OnDataH265(vt, func(pts, dts int64, au [][]byte) error {
			for _, n := range au {
				if len(n) > 1 && h265.NALUType((n[0]>>1)&0x3f) == h265.NALUType_SPS_NUT && res.Video.Width == 0 {
					var sps h265.SPS
					if sps.Unmarshal(n) == nil {
						res.Video.Width, res.Video.Height = sps.Width(), sps.Height()
						res.Video.ProfileIDC = int(sps.ProfileTierLevel.GeneralProfileIdc)
						res.Video.Profile = h265Profile(res.Video.ProfileIDC)
					}
				}
			}
			m.frame(dts, au, h265.IsRandomAccess(au))
			return nil
		})
	}
	for {
		err := r.Read()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			break // a damaged tail: what was read so far stands
		}
	}
	m.finish()
	return res, nil
}

// measure accumulates the timing of the video access units.
type measure struct {
	v                 *Video
	first, last       int64
	firstKey, lastKey int64
	bytes             int64
	n                 int
}

func (m *measure) frame(dts int64, au [][]byte, key bool) {
	if m.n == 0 {
		m.first = dts
	}
	if dts > m.last || m.n == 0 {
		m.last = dts
	}
	m.n++
	for _, n := range au {
		m.bytes += int64(len(n))
	}
	if key {
		if m.v.KeyframesSeen == 0 {
			m.firstKey = dts
		}
		m.lastKey = dts
		m.v.KeyframesSeen++
	}
}

func (m *measure) finish() {
	v := m.v
	v.Frames = m.n
	if m.n < 2 || m.last <= m.first {
		return
	}
	span := float64(m.last-m.first) / 90000
	v.SpanS = span
	fps := float64(m.n-1) / span
	v.FPS = float64(int(fps*100+0.5)) / 100
	// The bytes of n frames cover n frame durations.
	v.BitrateBPS = int64(float64(m.bytes*8) / (span * float64(m.n) / float64(m.n-1)))
	if v.KeyframesSeen >= 2 && m.lastKey > m.firstKey {
		iv := float64(m.lastKey-m.firstKey) / 90000 / float64(v.KeyframesSeen-1)
		v.KeyframeIntervalS = float64(int(iv*100+0.5)) / 100
	}
}

// h264Profile names an H.264 profile_idc (with constraint_set1 telling Constrained Baseline).
func h264Profile(s *h264.SPS) string {
	switch s.ProfileIdc {
	case 66:
		if s.ConstraintSet1Flag {
			return "Constrained Baseline"
		}
		return "Baseline"
	case 77:
		return "Main"
	case 88:
		return "Extended"
	case 100:
		return "High"
	case 110:
		return "High 10"
	case 122:
		return "High 4:2:2"
	case 244:
		return "High 4:4:4 Predictive"
	case 44:
		return "CAVLC 4:4:4 Intra"
	}
	return fmt.Sprintf("profile %d", s.ProfileIdc)
}

// h265Profile names an H.265 general_profile_idc.
func h265Profile(idc int) string {
	switch idc {
	case 1:
		return "Main"
	case 2:
		return "Main 10"
	case 3:
		return "Main Still Picture"
	case 4:
		return "Range Extensions"
	}
	return fmt.Sprintf("profile %d", idc)
}

// BrowserPlayable reports whether browsers play the video through Media Source Extensions: H.264 in
// the Constrained Baseline, Baseline, Main and High profiles (8-bit 4:2:0).
func (v *Video) BrowserPlayable() bool {
	if v.Codec != "h264" {
		return false
	}
	switch v.ProfileIDC {
	case 66, 77, 100:
		return true
	}
	return false
}
