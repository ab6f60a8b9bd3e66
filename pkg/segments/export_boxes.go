package segments

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"
)

// The init segment (ftyp, moov) comes from mediacommon's fMP4 writer. The fragment headers (moof) and
// the random-access index (mfra) are written here: mediacommon's fmp4.Part copies every GOP twice
// more (into its mdat and a seekable buffer) and makes the export about 11 % slower
// (BenchmarkExportMP4Writers), and it has no mfra.

// boxBuf builds ISO BMFF boxes (ISO/IEC 14496-12) in a byte slice. Open a box with box or fullBox,
// append its fields, and close it with end, which fills in the size.
type boxBuf struct{ b []byte }

func (bb *boxBuf) box(typ string) int {
	pos := len(bb.b)
	bb.b = append(bb.b, 0, 0, 0, 0)
	bb.b = append(bb.b, typ...)
	return pos
}

func (bb *boxBuf) fullBox(typ string, version uint8, flags uint32) int {
	pos := bb.box(typ)
	bb.u32(uint32(version)<<24 | flags&0xffffff)
	return pos
}

func (bb *boxBuf) end(pos int) { binary.BigEndian.PutUint32(bb.b[pos:], uint32(len(bb.b)-pos)) }

func (bb *boxBuf) u8(v uint8)   { bb.b = append(bb.b, v) }
func (bb *boxBuf) u32(v uint32) { bb.b = binary.BigEndian.AppendUint32(bb.b, v) }
func (bb *boxBuf) u64(v uint64) { bb.b = binary.BigEndian.AppendUint64(bb.b, v) }

// Sample flags of trun (ISO/IEC 14496-12 8.8.3.1): a sync sample depends on no other; any other sample
// depends on others and is not a sync sample.
const (
	flagsSync    = 0x02000000
	flagsNonSync = 0x01010000
)

// trackID is the one track of an export.
const trackID = 1

// videoInit describes the video track for the init segment.
type videoInit struct {
	vps, sps, pps []byte // the first keyframe's parameter sets (vps for H.265 only)
	hevc          bool   // H.265 (sample entry hvc1), else H.264 (avc1)
	// audio, when set, adds an AAC track (audioTrackID) with the sample rate as its time scale.
	audio *mpeg4audio.AudioSpecificConfig
}

// initSegment returns ftyp and moov of a fragmented MP4 with one H.264 or H.265 track in 90 kHz units, written
// by mediacommon's fMP4 writer (avcC and the sample entry come from the SPS).
func initSegment(v videoInit) ([]byte, error) {
	var codec mp4.Codec = &mp4.CodecH264{SPS: v.sps, PPS: v.pps}
	if v.hevc {
		codec = &mp4.CodecH265{VPS: v.vps, SPS: v.sps, PPS: v.pps}
	}
	init := fmp4.Init{Tracks: []*fmp4.InitTrack{{
		ID:        trackID,
		TimeScale: ticksPerSecond,
		Codec:     codec,
	}}}
	if v.audio != nil {
		init.Tracks = append(init.Tracks, &fmp4.InitTrack{ID: audioTrackID, TimeScale: uint32(v.audio.SampleRate),
			Codec: &mp4.CodecMPEG4Audio{Config: *v.audio}})
	}
	var buf seekablebuffer.Buffer
	if err := init.Marshal(&buf); err != nil {
		return nil, fmt.Errorf("the MP4 header for the stream's parameter sets cannot be written: %w", err)
	}
	b := buf.Bytes()
	if v.hevc {
		hvc1SampleEntry(b)
	}
	return b, nil
}

// hvc1SampleEntry renames mediacommon's H.265 sample entry from hev1 to hvc1 in init: the parameter
// sets are in its hvcC (and, as cameras send them, again before every keyframe), and hvc1 is the entry
// Safari and QuickTime play; the boxes are otherwise the same.
func hvc1SampleEntry(init []byte) {
	stsd := bytes.Index(init, []byte("stsd"))
	if stsd < 0 {
		return
	}
	if i := bytes.Index(init[stsd:], []byte("hev1")); i >= 0 {
		copy(init[stsd+i:], "hvc1")
	}
}

// fragSample is one sample of a fragment.
type fragSample struct {
	dur  uint32
	size uint32
	cto  int32 // composition offset: presentation minus decode time
	key  bool
}

// moofBox returns the moof of a fragment whose samples follow in an mdat right after it.
func moofBox(seq uint32, baseDTS int64, samples []fragSample) []byte {
	var bb boxBuf
	moof := bb.box("moof")
	mfhd := bb.fullBox("mfhd", 0, 0)
	bb.u32(seq)
	bb.end(mfhd)
	traf := bb.box("traf")
	tfhd := bb.fullBox("tfhd", 0, 0x020000) // default-base-is-moof
	bb.u32(trackID)
	bb.end(tfhd)
	tfdt := bb.fullBox("tfdt", 1, 0)
	bb.u64(uint64(baseDTS))
	bb.end(tfdt)
	// Version 1: signed composition offsets. Flags: data offset, duration, size, flags, offset.
	trun := bb.fullBox("trun", 1, 0x000f01)
	bb.u32(uint32(len(samples)))
	dataOffset := len(bb.b)
	bb.u32(0)
	for _, s := range samples {
		bb.u32(s.dur)
		bb.u32(s.size)
		if s.key {
			bb.u32(flagsSync)
		} else {
			bb.u32(flagsNonSync)
		}
		bb.u32(uint32(s.cto))
	}
	bb.end(trun)
	bb.end(traf)
	bb.end(moof)
	binary.BigEndian.PutUint32(bb.b[dataOffset:], uint32(len(bb.b)+8)) // from moof start to the mdat payload
	return bb.b
}

// fragmentTime is where a fragment starts, for the random-access index.
type fragmentTime struct {
	dts  int64
	moof int64 // file offset of its moof
}

// mfraBox returns the movie fragment random access box that ends the file, so players can seek
// without reading every fragment.
func mfraBox(index []fragmentTime) []byte {
	var bb boxBuf
	mfra := bb.box("mfra")
	tfra := bb.fullBox("tfra", 1, 0)
	bb.u32(trackID)
	bb.u32(0) // 1-byte traf, trun and sample numbers
	bb.u32(uint32(len(index)))
	for _, f := range index {
		bb.u64(uint64(f.dts))
		bb.u64(uint64(f.moof))
		bb.u8(1)
		bb.u8(1)
		bb.u8(1)
	}
	bb.end(tfra)
	mfro := bb.fullBox("mfro", 0, 0)
	bb.u32(uint32(len(bb.b) + 4))
	bb.end(mfro)
	bb.end(mfra)
	return bb.b
}

// exportBoxes is the boxWriter of ExportMP4.
type exportBoxes struct{}

func (exportBoxes) writeInit(w io.Writer, v videoInit) error {
	b, err := initSegment(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func (exportBoxes) writeFragment(w io.Writer, seq uint32, baseDTS int64, samples []fragSample, mdat []byte) error {
	moof := moofBox(seq, baseDTS, samples)
	moof = binary.BigEndian.AppendUint32(moof, uint32(8+len(mdat)))
	moof = append(moof, "mdat"...)
	if _, err := w.Write(moof); err != nil {
		return err
	}
	_, err := w.Write(mdat)
	return err
}

func (exportBoxes) writeIndex(w io.Writer, index []fragmentTime) error {
	_, err := w.Write(mfraBox(index))
	return err
}
