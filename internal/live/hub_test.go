package live

import (
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// Synthetic packets: PAT (PID 0) → PMT on PID 0x1000 → H.264 on PID 0x100.
func pat() []byte {
	p := make([]byte, 188)
	for i := range p {
		p[i] = 0xff
	}
	copy(p, []byte{0x47, 0x40, 0x00, 0x10, 0x00, // header, pointer field
		0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, // PAT header, section length 13
		0x00, 0x01, 0xf0, 0x00, // program 1 → PMT PID 0x1000
		0, 0, 0, 0}) // CRC (not checked)
	return p
}

func pmt() []byte {
	p := make([]byte, 188)
	for i := range p {
		p[i] = 0xff
	}
	copy(p, []byte{0x47, 0x50, 0x00, 0x10, 0x00,
		0x02, 0xb0, 0x12, 0x00, 0x01, 0xc1, 0x00, 0x00, // PMT header, section length 18
		0xe1, 0x00, 0xf0, 0x00, // PCR PID, program info length 0
		0x1b, 0xe1, 0x00, 0xf0, 0x00, // H.264 on PID 0x100
		0, 0, 0, 0})
	return p
}

func video(key bool, fill byte) []byte {
	p := make([]byte, 188)
	for i := range p {
		p[i] = fill
	}
	if key {
		copy(p, []byte{0x47, 0x41, 0x00, 0x30, 0x01, 0x40}) // PUSI, adaptation with RAI
	} else {
		copy(p, []byte{0x47, 0x41, 0x00, 0x10})
	}
	return p
}

func cat(ps ...[]byte) []byte {
	var b []byte
	for _, p := range ps {
		b = append(b, p...)
	}
	return b
}

func TestJoinStartsWithPSIAndCachedGOP(t *testing.T) {
	h := NewHub()
	now := time.Now()
	h.Write(cat(pat(), pmt(), video(false, 1)), now) // before any keyframe: not cached
	h.Write(cat(video(true, 2), video(false, 3)), now)
	h.Write(video(false, 4), now)
	v := h.Join()
	defer h.Leave(v)
	it := <-v.C
	if len(it.Data) != 5*188 {
		t.Fatalf("first message is %d packets, want PAT+PMT+3", len(it.Data)/188)
	}
	if mpegts.PID(it.Data) != 0 || mpegts.PID(it.Data[188:]) != 0x1000 || !mpegts.RandomAccess(it.Data[376:]) || it.Data[376+100] != 2 || it.Data[4*188+100] != 4 {
		t.Fatal("first message is not PAT, PMT, keyframe, then the rest of the GOP")
	}
	// Later writes arrive as they are.
	h.Write(video(false, 5), now)
	if it := <-v.C; len(it.Data) != 188 || it.Data[100] != 5 {
		t.Fatal("live packet not delivered")
	}
}

func TestSlowViewerDropsToNextKeyframeWithoutBlocking(t *testing.T) {
	h := NewHub()
	now := time.Now()
	h.Write(cat(pat(), pmt(), video(true, 1)), now)
	slow := h.Join()
	fast := h.Join()
	defer h.Leave(slow)
	defer h.Leave(fast)
	<-fast.C
	// The slow viewer never reads: overflow its queue. The producer must never block.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < viewerQueueLen+50; i++ {
			h.Write(video(false, 9), now)
			<-fast.C // the fast one keeps up
			fast.Done(Item{Data: make([]byte, 188), At: now})
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Write blocked on a slow viewer")
	}
	if slow.Dropped.Load() == 0 {
		t.Fatal("slow viewer's drops are not counted")
	}
	if fast.Dropped.Load() != 0 {
		t.Fatalf("fast viewer lost %d packets", fast.Dropped.Load())
	}
	// Drain the slow viewer; until the next keyframe it gets nothing new.
	for len(slow.C) > 0 {
		it := <-slow.C
		slow.Done(it)
	}
	h.Write(video(false, 7), now)
	if len(slow.C) != 0 {
		t.Fatal("slow viewer resumed before a keyframe")
	}
	h.Write(cat(video(false, 7), video(true, 8), video(false, 9)), now)
	it := <-slow.C
	if mpegts.PID(it.Data) != 0 || mpegts.PID(it.Data[188:]) != 0x1000 || !mpegts.RandomAccess(it.Data[376:]) || len(it.Data) != 4*188 {
		t.Fatal("slow viewer did not resume with PAT, PMT and the keyframe")
	}
}

func TestResetMakesViewersWaitForNewKeyframe(t *testing.T) {
	h := NewHub()
	now := time.Now()
	h.Write(cat(pat(), pmt(), video(true, 1)), now)
	v := h.Join()
	defer h.Leave(v)
	<-v.C
	h.Reset()
	h.Write(cat(pat(), pmt(), video(false, 2)), now)
	if len(v.C) != 0 {
		t.Fatal("viewer got packets of the new stream before its keyframe")
	}
	h.Write(video(true, 3), now)
	it := <-v.C
	if mpegts.PID(it.Data) != 0 || !mpegts.RandomAccess(it.Data[376:]) {
		t.Fatal("viewer did not restart at the new stream's keyframe with PAT/PMT")
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 0; i < 99; i++ {
		h.Observe(time.Millisecond)
	}
	h.Observe(50 * time.Millisecond)
	p50, p99, p100 := h.Quantile(0.5), h.Quantile(0.99), h.Quantile(1)
	if p50 < time.Millisecond || p50 > 1100*time.Microsecond {
		t.Fatalf("p50 = %v, want ~1ms", p50)
	}
	if p99 > 1100*time.Microsecond {
		t.Fatalf("p99 = %v, want ~1ms", p99)
	}
	if p100 < 50*time.Millisecond || p100 > 55*time.Millisecond {
		t.Fatalf("max = %v, want ~50ms", p100)
	}
}
