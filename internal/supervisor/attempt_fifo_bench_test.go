package supervisor

import (
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/live"
)

// tsPacket is a 188-byte TS packet: PAT, PMT (H.264 on PID 0x100) or video on PID 0x100.
func tsPacket(kind string, key bool) []byte {
	p := make([]byte, 188)
	for i := range p {
		p[i] = 0xff
	}
	switch kind {
	case "pat":
		copy(p, []byte{0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00,
			0x00, 0x01, 0xf0, 0x00, 0, 0, 0, 0})
	case "pmt":
		copy(p, []byte{0x47, 0x50, 0x00, 0x10, 0x00, 0x02, 0xb0, 0x12, 0x00, 0x01, 0xc1, 0x00, 0x00,
			0xe1, 0x00, 0xf0, 0x00, 0x1b, 0xe1, 0x00, 0xf0, 0x00, 0, 0, 0, 0})
	case "video":
		if key {
			copy(p, []byte{0x47, 0x41, 0x00, 0x30, 0x01, 0x40})
		} else {
			copy(p, []byte{0x47, 0x41, 0x00, 0x10})
		}
	}
	return p
}

// subReads is one substream GOP as the FIFO loop reads it: a read per frame (a keyframe led by PSI,
// then 24 smaller frames), whole packets.
func subReads() [][]byte {
	var reads [][]byte
	key := append(tsPacket("pat", false), tsPacket("pmt", false)...)
	key = append(key, tsPacket("video", true)...)
	for range 60 {
		key = append(key, tsPacket("video", false)...)
	}
	reads = append(reads, key)
	for range 24 {
		var f []byte
		f = append(f, tsPacket("video", false)...)
		for range 9 {
			f = append(f, tsPacket("video", false)...)
		}
		reads = append(reads, f)
	}
	return reads
}

// BenchmarkSubFIFODeliver compares, per FIFO read into a hub with one viewer, the substream loop's old
// way (one reused buffer, Hub.Write copies) with the shared loop's (a fresh arena slice, Hub.WriteOwned).
// The pipe read itself is the same syscall in both and is left out.
func BenchmarkSubFIFODeliver(b *testing.B) {
	reads := subReads()
	run := func(b *testing.B, deliver func(h *live.Hub, read []byte, now time.Time)) {
		h := live.NewHub()
		rd := h.AddReader(live.ReaderOptions{Name: "viewer", Queue: 1 << 16})
		now := time.Now()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			deliver(h, reads[i%len(reads)], now)
			for len(rd.C) > 0 {
				<-rd.C
			}
		}
	}
	b.Run("copy", func(b *testing.B) {
		buf := make([]byte, fifoReadSize)
		run(b, func(h *live.Hub, read []byte, now time.Time) {
			n := copy(buf, read) // the kernel's copy into the reused buffer
			h.Write(buf[:n], now)
		})
	})
	b.Run("owned", func(b *testing.B) {
		var arena readArena
		run(b, func(h *live.Hub, read []byte, now time.Time) {
			n := copy(arena.next(), read) // the kernel's copy into the arena
			h.WriteOwned(arena.take(n), now)
		})
	})
}
