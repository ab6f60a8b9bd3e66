package mpegts

import "testing"

// FuzzPSI feeds arbitrary packets (sync byte forced, so every packet reaches the tables) to the PAT/PMT
// parser: it must never panic, and what it learns must be a valid 13-bit PID with the packet kept.
func FuzzPSI(f *testing.F) {
	pat := make([]byte, PacketSize)
	copy(pat, []byte{0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00})
	pmt := make([]byte, PacketSize)
	copy(pmt, []byte{0x47, 0x50, 0x00, 0x10, 0x00, 0x02, 0xb0, 0x12, 0x00, 0x01, 0xc1, 0x00, 0x00, 0xe1, 0x00, 0xf0, 0x00, 0x1b, 0xe1, 0x00, 0xf0, 0x00})
	f.Add(append(pat, pmt...))
	f.Add(pat[:100])
	f.Fuzz(func(t *testing.T, data []byte) {
		var s PSI
		for i := 0; i+PacketSize <= len(data) || i == 0 && len(data) > 4; i += PacketSize {
			p := make([]byte, PacketSize)
			copy(p, data[i:])
			p[0] = SyncByte
			tables := s.Observe(p)
			s.IsKeyframe(p)
			_ = Payload(p)
			if s.PMTPID > 0x1fff || s.VideoPID > 0x1fff {
				t.Fatalf("PID out of range: PMT %#x video %#x", s.PMTPID, s.VideoPID)
			}
			if tables && s.PAT == nil && s.PMT == nil {
				t.Fatal("a table packet was reported but not kept")
			}
		}
	})
}
