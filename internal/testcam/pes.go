package testcam

import (
	"errors"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// PES is one video PES packet of an MPEG-TS stream.
type PES struct {
	PTS, DTS     int64 // 90 kHz; -1 when the header has none
	RandomAccess bool  // the first TS packet had the random-access indicator
	Data         []byte
}

// ReadVideoPES returns the video PES packets of a TS stream in order, with their payload (the
// elementary stream bytes). A PES cut off at the end of ts is left out.
func ReadVideoPES(ts []byte) ([]PES, error) { return readVideoPES(ts, false) }

// ReadAllVideoPES is ReadVideoPES with the last PES too, which may be cut short when ts is still
// being written (a video PES has no length, so only the next one's start tells its end).
func ReadAllVideoPES(ts []byte) ([]PES, error) { return readVideoPES(ts, true) }

// readVideoPES is ReadVideoPES that keeps the last PES too when keepLast (ts is a whole file).
func readVideoPES(ts []byte, keepLast bool) ([]PES, error) {
	var psi mpegts.PSI
	var out []PES
	var cur *PES
	flush := func() {
		if cur != nil {
			out = append(out, *cur)
			cur = nil
		}
	}
	for off := 0; off+mpegts.PacketSize <= len(ts); off += mpegts.PacketSize {
		p := ts[off : off+mpegts.PacketSize]
		if p[0] != mpegts.SyncByte {
			return nil, errors.New("TS packet without sync byte")
		}
		if psi.Observe(p) || psi.VideoPID == 0 || mpegts.PID(p) != psi.VideoPID {
			continue
		}
		pl := mpegts.Payload(p)
		if mpegts.PUSI(p) {
			flush()
			if len(pl) < 9 || pl[0] != 0 || pl[1] != 0 || pl[2] != 1 {
				return nil, errors.New("video PES without a start code")
			}
			hl := int(pl[8])
			if 9+hl > len(pl) {
				return nil, errors.New("video PES header longer than its packet")
			}
			e := PES{PTS: -1, DTS: -1, RandomAccess: mpegts.RandomAccess(p)}
			flags := pl[7] >> 6
			if flags&2 != 0 && hl >= 5 {
				e.PTS = timestamp(pl[9:])
			}
			if flags == 3 && hl >= 10 {
				e.DTS = timestamp(pl[14:])
			}
			e.Data = append(e.Data, pl[9+hl:]...)
			cur = &e
			continue
		}
		if cur != nil {
			cur.Data = append(cur.Data, pl...)
		}
	}
	// The last PES may be cut off: leave it out unless ts is a whole file.
	if keepLast {
		flush()
	}
	return out, nil
}

func timestamp(b []byte) int64 {
	return int64(b[0]>>1&0x07)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}

// NALUs splits an Annex-B byte stream into NAL units (without start codes).
func NALUs(b []byte) [][]byte { return splitNALUs(b) }

// FirstSliceOfPicture reports whether a VCL NAL unit (H.264 types 1 and 5) starts a picture
// (first_mb_in_slice is 0, the first bit of the slice header set).
func FirstSliceOfPicture(nalu []byte) bool { return len(nalu) > 1 && nalu[1]&0x80 != 0 }

// IsSliceOf is IsSlice for H.264 or, with h265, whether an H.265 NAL unit is a coded slice segment
// (a VCL NAL unit, types 0–31).
func IsSliceOf(nalu []byte, h265 bool) bool {
	if !h265 {
		return IsSlice(nalu)
	}
	return len(nalu) > 2 && (nalu[0]>>1)&0x3f < 32
}

// firstSlice reports whether a slice starts its picture: H.264 first_mb_in_slice 0, H.265
// first_slice_segment_in_pic_flag (the first bit after the two-byte NAL unit header).
func firstSlice(nalu []byte, h265 bool) bool {
	if h265 {
		return len(nalu) > 2 && nalu[2]&0x80 != 0
	}
	return FirstSliceOfPicture(nalu)
}

// isKeySlice reports whether a slice is of a keyframe: H.264 IDR, H.265 IRAP (types 16–23).
func isKeySlice(nalu []byte, h265 bool) bool {
	if h265 {
		t := (nalu[0] >> 1) & 0x3f
		return t >= 16 && t <= 23
	}
	return nalu[0]&0x1f == 5
}

// IsSlice reports whether an H.264 NAL unit is a coded slice (non-IDR or IDR).
func IsSlice(nalu []byte) bool {
	if len(nalu) == 0 {
		return false
	}
	t := nalu[0] & 0x1f
	return t == 1 || t == 5
}
