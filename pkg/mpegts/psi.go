package mpegts

// StreamTypeH264 is the PMT stream type of H.264 video.
const StreamTypeH264 = 0x1b

// StreamTypeH265 is the PMT stream type of H.265 (HEVC) video.
const StreamTypeH265 = 0x24

// PSI follows the PAT and PMT of a stream and keeps the latest copy of each packet, so a viewer or a
// segment can be started with them. It is not safe for concurrent use.
type PSI struct {
	PMTPID     uint16 // 0 until a PAT was seen
	VideoPID   uint16 // 0 until a PMT with video was seen
	StreamType uint8  // stream type of the video PID
	AudioPID   uint16 // 0 until a PMT with AAC (ADTS, stream type 0x0f) audio was seen
	PAT, PMT   []byte // latest packets (nil until seen)
}

// Observe looks at one packet and updates the tables. It returns true when the packet is PAT or PMT.
func (s *PSI) Observe(p []byte) bool {
	pid := PID(p)
	switch {
	case pid == 0:
		if sec := section(p); sec != nil {
			s.parsePAT(sec)
		}
		s.PAT = append(s.PAT[:0], p[:PacketSize]...)
		return true
	case s.PMTPID != 0 && pid == s.PMTPID:
		if sec := section(p); sec != nil {
			s.parsePMT(sec)
		}
		s.PMT = append(s.PMT[:0], p[:PacketSize]...)
		return true
	}
	return false
}

// IsKeyframe reports whether p is the first packet of a video keyframe.
func (s *PSI) IsKeyframe(p []byte) bool {
	return s.VideoPID != 0 && PID(p) == s.VideoPID && PUSI(p) && RandomAccess(p)
}

// section returns the PSI section that starts in this packet (after the pointer field), or nil.
func section(p []byte) []byte {
	if !PUSI(p) {
		return nil
	}
	pl := Payload(p)
	if len(pl) < 1 || 1+int(pl[0]) >= len(pl) {
		return nil
	}
	sec := pl[1+int(pl[0]):]
	if len(sec) < 3 {
		return nil
	}
	n := 3 + (int(sec[1]&0x0f)<<8 | int(sec[2]))
	if n > len(sec) || n < 12 {
		return nil
	}
	return sec[:n]
}

func (s *PSI) parsePAT(sec []byte) {
	if sec[0] != 0x00 {
		return
	}
	// 8 bytes header, then 4-byte program entries, then 4-byte CRC.
	for i := 8; i+4 <= len(sec)-4; i += 4 {
		prog := uint16(sec[i])<<8 | uint16(sec[i+1])
		pid := uint16(sec[i+2]&0x1f)<<8 | uint16(sec[i+3])
		if prog != 0 {
			s.PMTPID = pid
			return
		}
	}
}

func (s *PSI) parsePMT(sec []byte) {
	if sec[0] != 0x02 || len(sec) < 16 {
		return
	}
	infoLen := int(sec[10]&0x0f)<<8 | int(sec[11])
	i := 12 + infoLen
	video, audio := false, false
	for i+5 <= len(sec)-4 {
		st := sec[i]
		pid := uint16(sec[i+1]&0x1f)<<8 | uint16(sec[i+2])
		esLen := int(sec[i+3]&0x0f)<<8 | int(sec[i+4])
		switch {
		case isVideo(st) && !video:
			s.VideoPID, s.StreamType, video = pid, st, true
		case st == StreamTypeAAC && !audio:
			s.AudioPID, audio = pid, true
		}
		i += 5 + esLen
	}
	if !audio {
		s.AudioPID = 0
	}
}

// StreamTypeAAC is the PMT stream type of AAC audio in ADTS frames (ISO/IEC 13818-7).
const StreamTypeAAC = 0x0f

func isVideo(st uint8) bool {
	switch st {
	case 0x01, 0x02, 0x10, StreamTypeH264, StreamTypeH265:
		return true
	}
	return false
}
