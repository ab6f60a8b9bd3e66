package supervisor

import (
	"os"
	"syscall"
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

// oldSubLoop is the substream read loop before it shared the main one's (kept here as the benchmark's
// baseline): one reused buffer, Hub.Write copies, and a coalescing wait after every short read.
func oldSubLoop(fifo *os.File, h *live.Hub, done chan<- struct{}) {
	defer close(done)
	buf := make([]byte, fifoReadSize)
	for {
		n, err := fifo.Read(buf)
		if n > 0 {
			h.Write(buf[:n], time.Now())
		}
		if err != nil {
			return
		}
		if n < len(buf)/2 {
			time.Sleep(coalesceDelay)
		}
	}
}

// BenchmarkSubFIFOLoop runs each substream read loop on a real pipe that gets a frame per op in two
// writes 200 µs apart (the worker's two writevs), 5 ms between frames, and reports the process's CPU
// time per frame (the writer's share is the same in both).
func BenchmarkSubFIFOLoop(b *testing.B) {
	reads := subReads()
	run := func(b *testing.B, start func(pr *os.File, h *live.Hub) (wait func())) {
		pr, pw, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		h := live.NewHub()
		rd := h.AddReader(live.ReaderOptions{Name: "viewer", Queue: 1 << 16})
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			for range rd.C {
			}
		}()
		wait := start(pr, h)
		var ru0, ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		b.ResetTimer()
		for i := range b.N {
			f := reads[i%len(reads)]
			half := len(f) / 188 / 2 * 188
			_, _ = pw.Write(f[:half])
			time.Sleep(200 * time.Microsecond)
			_, _ = pw.Write(f[half:])
			time.Sleep(5 * time.Millisecond)
		}
		b.StopTimer()
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/frame")
		pw.Close()
		wait()
		pr.Close()
		h.RemoveReader(rd)
		<-drained
	}
	b.Run("old", func(b *testing.B) {
		run(b, func(pr *os.File, h *live.Hub) func() {
			done := make(chan struct{})
			go oldSubLoop(pr, h, done)
			return func() { <-done }
		})
	})
	b.Run("shared", func(b *testing.B) {
		run(b, func(pr *os.File, h *live.Hub) func() {
			return startFIFOReader(pr, h, subIdleReset, nil).wait
		})
	})
}
