package segments

import (
	"encoding/binary"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// The MP4 export carries the recording's AAC audio (the camera's own AAC, or the worker's transcode of
// G.711 and Opus) as a second track, copied frame by frame out of the ADTS stream without re-encoding.
// Its frames go into a movie fragment of their own (track audioTrackID) after each video fragment.
// Audio is placed on the video's timeline: its first frame at its distance from the first exported
// video frame, and then one frame after the other (1024 samples each), so a gap that the video joins
// seamlessly is joined in the audio alike. Audio before the first keyframe is left out.

// audioTrackID is the export's audio track.
const audioTrackID = 2

// samplesPerAAC is the number of PCM samples one AAC frame codes.
const samplesPerAAC = mpeg4audio.SamplesPerAccessUnit

// audioDemuxer reassembles the PES packets of the audio PID.
type audioDemuxer struct {
	h     pesHeader
	buf   []byte
	inPES bool
}

// audioPacket takes one packet of the audio PID and calls emit with each ADTS frame a finished PES holds.
func (d *audioDemuxer) packet(p []byte, emit func(pts int64, pkt *mpeg4audio.ADTSPacket) error) error {
	pl := mpegts.Payload(p)
	if mpegts.PUSI(p) {
		if err := d.flush(emit); err != nil {
			return err
		}
		h, ok := parsePESHeader(pl)
		if !ok || !h.hasPTS {
			return nil
		}
		d.h, d.inPES = h, true
		d.buf = append(d.buf[:0], pl[h.payload:]...)
		return nil
	}
	if d.inPES && len(d.buf)+len(pl) <= maxFrameBytes {
		d.buf = append(d.buf, pl...)
	}
	return nil
}

// flush splits the PES being reassembled into ADTS frames; a damaged one is left out.
func (d *audioDemuxer) flush(emit func(pts int64, pkt *mpeg4audio.ADTSPacket) error) error {
	if !d.inPES {
		return nil
	}
	d.inPES = false
	var pkts mpeg4audio.ADTSPackets
	if err := pkts.Unmarshal(d.buf); err != nil {
		return nil
	}
	for i, pk := range pkts {
		if pk.SampleRate <= 0 {
			continue
		}
		pts := d.h.pts + int64(i)*samplesPerAAC*ticksPerSecond/int64(pk.SampleRate)
		if err := emit(pts, pk); err != nil {
			return err
		}
	}
	return nil
}

// audioTrack is the export's audio: its configuration (from the first ADTS frame) and the frames of
// the fragment being built.
type audioTrack struct {
	cfg     *mpeg4audio.AudioSpecificConfig
	on      bool  // the init segment has the track
	placed  bool  // the first frame has its time
	next    int64 // decode time (in samples) of the next frame
	base    int64 // decode time of the fragment's first frame
	sizes   []uint32
	mdat    []byte
	dropped bool // the init segment was written without audio: frames are left out
}

// addAudio takes one ADTS frame with its raw PTS.
func (m *fmp4Muxer) addAudio(pts int64, pk *mpeg4audio.ADTSPacket) error {
	a := &m.audio
	if a.cfg == nil {
		a.cfg = &mpeg4audio.AudioSpecificConfig{Type: pk.Type, SampleRate: pk.SampleRate, ChannelCount: pk.ChannelCount}
	}
	if !m.started || a.dropped || pk.SampleRate != a.cfg.SampleRate {
		return nil // before the first keyframe, no track, or a frame of another configuration
	}
	if !a.placed {
		rel := tickDiff(pts, m.firstPTS)
		if rel < 0 {
			return nil // before the first video frame
		}
		a.placed = true
		a.next = rel * int64(a.cfg.SampleRate) / ticksPerSecond
		a.base = a.next
	}
	if len(a.sizes) == 0 {
		a.base = a.next
	}
	a.sizes = append(a.sizes, uint32(len(pk.AU)))
	a.mdat = append(a.mdat, pk.AU...)
	a.next += samplesPerAAC
	return nil
}

// flushAudio writes the audio frames gathered since the last fragment as one moof+mdat of the audio track.
func (m *fmp4Muxer) flushAudio() error {
	a := &m.audio
	if !a.on || len(a.sizes) == 0 {
		a.sizes, a.mdat = a.sizes[:0], a.mdat[:0]
		return nil
	}
	m.seq++
	b := audioMoofBox(m.seq, a.base, a.sizes)
	b = binary.BigEndian.AppendUint32(b, uint32(8+len(a.mdat)))
	b = append(b, "mdat"...)
	if _, err := m.Write(b); err != nil {
		return err
	}
	if _, err := m.Write(a.mdat); err != nil {
		return err
	}
	a.sizes, a.mdat = a.sizes[:0], a.mdat[:0]
	return nil
}

// audioMoofBox returns the moof of an audio fragment: every frame a sync sample of samplesPerAAC.
func audioMoofBox(seq uint32, base int64, sizes []uint32) []byte {
	var bb boxBuf
	moof := bb.box("moof")
	mfhd := bb.fullBox("mfhd", 0, 0)
	bb.u32(seq)
	bb.end(mfhd)
	traf := bb.box("traf")
	tfhd := bb.fullBox("tfhd", 0, 0x020028) // default-base-is-moof, default duration and flags
	bb.u32(audioTrackID)
	bb.u32(samplesPerAAC)
	bb.u32(flagsSync)
	bb.end(tfhd)
	tfdt := bb.fullBox("tfdt", 1, 0)
	bb.u64(uint64(base))
	bb.end(tfdt)
	trun := bb.fullBox("trun", 0, 0x000201) // data offset, sample sizes
	bb.u32(uint32(len(sizes)))
	dataOffset := len(bb.b)
	bb.u32(0)
	for _, s := range sizes {
		bb.u32(s)
	}
	bb.end(trun)
	bb.end(traf)
	bb.end(moof)
	binary.BigEndian.PutUint32(bb.b[dataOffset:], uint32(len(bb.b)+8))
	return bb.b
}
