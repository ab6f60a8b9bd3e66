package segments

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
)

// maxFragmentBytes flushes a fragment early when a GOP is this large.
const maxFragmentBytes = 32 << 20

// fmp4Muxer writes H.264 or H.265 access units as a fragmented MP4: the init segment at the first keyframe with
// SPS and PPS, then one moof+mdat fragment per GOP, then a random-access index. It owns the timeline
// and the fragments' contents; boxes writes them as ISO BMFF.
type fmp4Muxer struct {
	boxes   boxWriter
	w       *bufio.Writer
	written int64
	started bool
	seq     uint32

	// Timeline in 90 kHz ticks, starting at 0.
	hasPrev bool
	prevDTS int64 // raw DTS of the latest frame
	dts     int64 // its decode time in the export
	shift   int64 // the first frame's PTS−DTS: composition offsets are reduced by it so that play starts at 0
	lastDur int64

	samples []fragSample
	fragDTS int64 // decode time of the fragment's first sample
	mdat    []byte
	index   []fragmentTime

	firstPTS    int64     // raw PTS of the first exported frame: time 0 of the export
	init        videoInit // written with the first fragment, when the audio's configuration is known
	initWritten bool
	audio       audioTrack
}

// boxWriter writes the boxes of a fragmented MP4 with one H.264 or H.265 track in 90 kHz units to w.
type boxWriter interface {
	// writeInit writes ftyp and moov.
	writeInit(w io.Writer, v videoInit) error
	// writeFragment writes one moof and its mdat, whose payload mdat holds the samples in order.
	writeFragment(w io.Writer, seq uint32, baseDTS int64, samples []fragSample, mdat []byte) error
	// writeIndex writes the random-access index that ends the file.
	writeIndex(w io.Writer, index []fragmentTime) error
}

func newFMP4Muxer(w io.Writer, boxes boxWriter) *fmp4Muxer {
	return &fmp4Muxer{boxes: boxes, w: bufio.NewWriterSize(w, 256<<10)}
}

// addFrame takes the next access unit in decode order.
func (m *fmp4Muxer) addFrame(au accessUnit) error {
	var nalus h264.AnnexB
	if err := nalus.Unmarshal(au.data); err != nil {
		return nil // a damaged frame: leave it out
	}
	r := classify(nalus, au.hevc)
	key := r.key
	if !m.started {
		if !key || !r.complete(au.hevc) {
			return nil // nothing decodes before the first keyframe with its parameter sets
		}
		if err := m.writeInit(videoInit{vps: r.vps, sps: r.sps, pps: r.pps, hevc: au.hevc}); err != nil {
			return err
		}
	}

	if !m.hasPrev {
		m.shift = tickDiff(au.pts, au.dts)
		m.firstPTS = au.pts
	} else {
		d := tickDiff(au.dts, m.prevDTS)
		if d <= 0 || d > durationToTicks(MaxPTSJump) {
			// A new recording or a camera reset: join it seamlessly, one frame after the last.
			d = m.lastDur
		}
		m.samples[len(m.samples)-1].dur = uint32(d)
		m.dts += d
		m.lastDur = d
	}
	m.hasPrev, m.prevDTS = true, au.dts

	if key || len(m.mdat) >= maxFragmentBytes {
		if err := m.flushFragment(); err != nil {
			return err
		}
	}
	if len(m.samples) == 0 {
		m.fragDTS = m.dts
	}
	size := len(m.mdat)
	for _, n := range nalus {
		if dropInSample(n, au.hevc) {
			continue // not wanted in MP4 samples
		}
		m.mdat = binary.BigEndian.AppendUint32(m.mdat, uint32(len(n)))
		m.mdat = append(m.mdat, n...)
	}
	m.samples = append(m.samples, fragSample{
		dur:  uint32(m.lastDur),
		size: uint32(len(m.mdat) - size),
		cto:  int32(tickDiff(au.pts, au.dts) - m.shift),
		key:  key,
	})
	return nil
}

// writeInit starts the export with the stream's parameter sets; ftyp and moov are written with the
// first fragment (writeInitNow), once the audio's configuration is known too.
func (m *fmp4Muxer) writeInit(v videoInit) error {
	fps, err := spsFPS(v.sps, v.hevc)
	if err != nil {
		return err
	}
	m.started = true
	m.lastDur = defaultFrameTk // until two frames give the real interval
	if fps >= 1 && fps <= 1000 {
		m.lastDur = int64(ticksPerSecond/fps + 0.5)
	}
	// The parameter sets point into the demuxer's buffer, which the next frames overwrite.
	v.vps, v.sps, v.pps = bytes.Clone(v.vps), bytes.Clone(v.sps), bytes.Clone(v.pps)
	m.init = v
	return nil
}

// writeInitNow writes ftyp and moov: the video track, and the audio track when audio came with the
// first GOP (later audio is left out then).
func (m *fmp4Muxer) writeInitNow() error {
	m.initWritten = true
	if m.audio.cfg != nil {
		m.init.audio, m.audio.on = m.audio.cfg, true
	} else {
		m.audio.dropped = true
	}
	return m.boxes.writeInit(m, m.init)
}

// flushFragment writes the pending samples as one moof+mdat.
func (m *fmp4Muxer) flushFragment() error {
	if len(m.samples) == 0 {
		return nil
	}
	if !m.initWritten {
		if err := m.writeInitNow(); err != nil {
			return err
		}
	}
	m.seq++
	m.index = append(m.index, fragmentTime{dts: m.fragDTS, moof: m.written})
	if err := m.boxes.writeFragment(m, m.seq, m.fragDTS, m.samples, m.mdat); err != nil {
		return err
	}
	m.samples, m.mdat = m.samples[:0], m.mdat[:0]
	return m.flushAudio()
}

// close writes the last fragment (its last frame lasts as long as the one before) and the index.
func (m *fmp4Muxer) close() error {
	if !m.started {
		return errors.New("the segments hold no H.264 or H.265 keyframe with its parameter sets: nothing to export")
	}
	if err := m.flushFragment(); err != nil {
		return err
	}
	if err := m.boxes.writeIndex(m, m.index); err != nil {
		return err
	}
	return m.w.Flush()
}

// Write implements io.Writer for the box writer: buffered, counting the file offset.
func (m *fmp4Muxer) Write(b []byte) (int, error) {
	n, err := m.w.Write(b)
	m.written += int64(n)
	return n, err
}
