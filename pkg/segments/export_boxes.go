package segments

import "encoding/binary"

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

func (bb *boxBuf) u8(v uint8)     { bb.b = append(bb.b, v) }
func (bb *boxBuf) u16(v uint16)   { bb.b = binary.BigEndian.AppendUint16(bb.b, v) }
func (bb *boxBuf) u32(v uint32)   { bb.b = binary.BigEndian.AppendUint32(bb.b, v) }
func (bb *boxBuf) u64(v uint64)   { bb.b = binary.BigEndian.AppendUint64(bb.b, v) }
func (bb *boxBuf) bytes(v []byte) { bb.b = append(bb.b, v...) }
func (bb *boxBuf) zeros(n int)    { bb.b = append(bb.b, make([]byte, n)...) }
func (bb *boxBuf) str(s string)   { bb.b = append(bb.b, s...) }
func (bb *boxBuf) matrix() {
	bb.u32(0x10000)
	bb.zeros(12)
	bb.u32(0x10000)
	bb.zeros(12)
	bb.u32(0x40000000)
}

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
	width, height int
	sps, pps      []byte
	chromaFormat  uint32 // from the SPS, for the avcC of High profiles
	bitDepthLuma  uint32 // minus 8
	bitDepthChrom uint32 // minus 8
}

// initSegment returns ftyp and moov of a fragmented MP4 with one H.264 track in 90 kHz units.
func initSegment(v videoInit) []byte {
	var bb boxBuf
	ftyp := bb.box("ftyp")
	bb.str("iso5")
	bb.u32(512)
	bb.str("iso5iso6mp41avc1")
	bb.end(ftyp)

	moov := bb.box("moov")
	mvhd := bb.fullBox("mvhd", 0, 0)
	bb.u32(0) // creation time
	bb.u32(0) // modification time
	bb.u32(1000)
	bb.u32(0) // duration: unknown when streaming; the fragments carry the timing
	bb.u32(0x10000)
	bb.u16(0x100)
	bb.zeros(10)
	bb.matrix()
	bb.zeros(24)
	bb.u32(trackID + 1)
	bb.end(mvhd)

	trak := bb.box("trak")
	tkhd := bb.fullBox("tkhd", 0, 3) // enabled, in movie
	bb.u32(0)
	bb.u32(0)
	bb.u32(trackID)
	bb.u32(0)
	bb.u32(0) // duration
	bb.zeros(8)
	bb.u16(0) // layer
	bb.u16(0) // alternate group
	bb.u16(0) // volume
	bb.u16(0)
	bb.matrix()
	bb.u32(uint32(v.width) << 16)
	bb.u32(uint32(v.height) << 16)
	bb.end(tkhd)

	mdia := bb.box("mdia")
	mdhd := bb.fullBox("mdhd", 0, 0)
	bb.u32(0)
	bb.u32(0)
	bb.u32(ticksPerSecond)
	bb.u32(0)
	bb.u16(0x55c4) // "und"
	bb.u16(0)
	bb.end(mdhd)
	hdlr := bb.fullBox("hdlr", 0, 0)
	bb.u32(0)
	bb.str("vide")
	bb.zeros(12)
	bb.str("VideoHandler\x00")
	bb.end(hdlr)

	minf := bb.box("minf")
	vmhd := bb.fullBox("vmhd", 0, 1)
	bb.zeros(8)
	bb.end(vmhd)
	dinf := bb.box("dinf")
	dref := bb.fullBox("dref", 0, 0)
	bb.u32(1)
	bb.end(bb.fullBox("url ", 0, 1)) // media in the same file
	bb.end(dref)
	bb.end(dinf)

	stbl := bb.box("stbl")
	stsd := bb.fullBox("stsd", 0, 0)
	bb.u32(1)
	avc1 := bb.box("avc1")
	bb.zeros(6)
	bb.u16(1) // data reference index
	bb.zeros(16)
	bb.u16(uint16(v.width))
	bb.u16(uint16(v.height))
	bb.u32(0x480000) // 72 dpi
	bb.u32(0x480000)
	bb.u32(0)
	bb.u16(1) // frames per sample
	bb.zeros(32)
	bb.u16(0x18)
	bb.u16(0xffff)
	avcC := bb.box("avcC")
	bb.u8(1)
	bb.bytes(v.sps[1:4]) // profile, compatibility, level
	bb.u8(0xff)          // 4-byte NAL lengths
	bb.u8(0xe1)          // one SPS
	bb.u16(uint16(len(v.sps)))
	bb.bytes(v.sps)
	bb.u8(1)
	bb.u16(uint16(len(v.pps)))
	bb.bytes(v.pps)
	switch v.sps[1] {
	case 100, 110, 122, 144:
		bb.u8(0xfc | uint8(v.chromaFormat))
		bb.u8(0xf8 | uint8(v.bitDepthLuma))
		bb.u8(0xf8 | uint8(v.bitDepthChrom))
		bb.u8(0)
	}
	bb.end(avcC)
	bb.end(avc1)
	bb.end(stsd)
	for _, typ := range []string{"stts", "stsc", "stco"} { // empty tables: the samples are in fragments
		pos := bb.fullBox(typ, 0, 0)
		bb.u32(0)
		bb.end(pos)
	}
	stsz := bb.fullBox("stsz", 0, 0)
	bb.u32(0)
	bb.u32(0)
	bb.end(stsz)
	bb.end(stbl)
	bb.end(minf)
	bb.end(mdia)
	bb.end(trak)

	mvex := bb.box("mvex")
	trex := bb.fullBox("trex", 0, 0)
	bb.u32(trackID)
	bb.u32(1) // sample description index
	bb.u32(0)
	bb.u32(0)
	bb.u32(0)
	bb.end(trex)
	bb.end(mvex)
	bb.end(moov)
	return bb.b
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
