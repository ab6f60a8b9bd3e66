// Package mpegts has the few MPEG-TS facts nvr needs without demuxing: 188-byte packet alignment with
// resync, the PAT/PMT, the video PID and which packets start a keyframe (random-access indicator). Its
// Marker parses a camera's stream once into marked batches (PSI, access-unit starts, keyframes, PES
// timestamps) that every reader shares, and Source/Subscription is how readers attach to such a stream.
package mpegts

// PacketSize is the size of one transport stream packet.
const PacketSize = 188

// SyncByte starts every packet.
const SyncByte = 0x47

// PID returns the packet identifier of a packet.
func PID(p []byte) uint16 { return uint16(p[1]&0x1f)<<8 | uint16(p[2]) }

// PUSI reports the payload-unit-start indicator: a PES packet or PSI section starts here.
func PUSI(p []byte) bool { return p[1]&0x40 != 0 }

// hasAdaptation reports an adaptation field.
func hasAdaptation(p []byte) bool { return p[3]&0x20 != 0 }

// RandomAccess reports the random-access indicator of the adaptation field: mpegtsmux sets it on the
// first packet of every keyframe.
func RandomAccess(p []byte) bool {
	return hasAdaptation(p) && p[4] > 0 && p[5]&0x40 != 0
}

// Payload returns the payload of a packet after any adaptation field, or nil.
func Payload(p []byte) []byte {
	if p[3]&0x10 == 0 {
		return nil
	}
	off := 4
	if hasAdaptation(p) {
		off += 1 + int(p[4])
	}
	if off >= PacketSize {
		return nil
	}
	return p[off:PacketSize]
}
