package segments

import (
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// maxFrameBytes bounds one reassembled video frame; a bigger PES packet is damaged and dropped.
const maxFrameBytes = 32 << 20

// accessUnit is one video frame from the TS: raw 33-bit timestamps and Annex-B data, valid until the
// next packet is handed to the demuxer.
type accessUnit struct {
	pts, dts int64
	data     []byte
	hevc     bool // the PMT says H.265 (stream type 0x24)
}

// videoDemuxer reassembles the PES packets of the video PID into access units.
type videoDemuxer struct {
	psi   mpegts.PSI
	h     pesHeader
	buf   []byte
	inPES bool

	audio   audioDemuxer
	onAudio func(pts int64, pkt *mpeg4audio.ADTSPacket) error // nil: audio is left out
}

// packet takes one 188-byte packet and calls emit for the frame it completes, if any.
func (d *videoDemuxer) packet(p []byte, emit func(accessUnit) error) error {
	if d.psi.Observe(p) || d.psi.VideoPID == 0 {
		return nil
	}
	if pid := mpegts.PID(p); pid != d.psi.VideoPID {
		if d.onAudio != nil && d.psi.AudioPID != 0 && pid == d.psi.AudioPID {
			return d.audio.packet(p, d.onAudio)
		}
		return nil
	}
	pl := mpegts.Payload(p)
	if mpegts.PUSI(p) {
		if err := d.flush(emit); err != nil {
			return err
		}
		h, ok := parsePESHeader(pl)
		if !ok || !h.hasPTS {
			return nil // a frame without timestamps cannot be placed: skip it
		}
		d.h, d.inPES = h, true
		d.buf = append(d.buf[:0], pl[h.payload:]...)
		return nil
	}
	if d.inPES {
		if len(d.buf)+len(pl) > maxFrameBytes {
			d.inPES = false
			return nil
		}
		d.buf = append(d.buf, pl...)
	}
	return nil
}

// flush emits the frame being reassembled, at the end of a segment or when the next one starts.
func (d *videoDemuxer) flush(emit func(accessUnit) error) error {
	if !d.inPES {
		return nil
	}
	d.inPES = false
	return emit(accessUnit{pts: d.h.pts, dts: d.h.dts, data: d.buf, hevc: d.psi.StreamType == mpegts.StreamTypeH265})
}
