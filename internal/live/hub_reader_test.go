package live

import (
	"bytes"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// videoPackets counts the video (PID 0x100) packets of b and checks that its marks match its data.
func videoPackets(t *testing.T, b Item) int {
	t.Helper()
	n := 0
	for off := 0; off < len(b.Data); off += mpegts.PacketSize {
		if mpegts.PID(b.Data[off:]) == 0x100 {
			n++
		}
	}
	for _, mk := range b.Marks {
		p := b.Data[mk.Off : mk.Off+mpegts.PacketSize]
		switch mk.Kind {
		case mpegts.MarkPAT:
			if mpegts.PID(p) != 0 {
				t.Fatalf("PAT mark at %d is on PID %#x", mk.Off, mpegts.PID(p))
			}
		case mpegts.MarkPMT:
			if mpegts.PID(p) != 0x1000 {
				t.Fatalf("PMT mark at %d is on PID %#x", mk.Off, mpegts.PID(p))
			}
		case mpegts.MarkFrame:
			if mpegts.PID(p) != 0x100 || !mpegts.PUSI(p) || mk.Key != mpegts.RandomAccess(p) {
				t.Fatalf("frame mark at %d does not match its packet", mk.Off)
			}
		}
	}
	return n
}

// startsAtKeyframeWithPSI reports whether b is PAT, PMT, then the first packet of a keyframe, with
// marks saying so.
func startsAtKeyframeWithPSI(b Item) bool {
	if len(b.Data) < 3*mpegts.PacketSize || len(b.Marks) < 3 {
		return false
	}
	return bytes.Equal(b.Data[:188], pat()) && bytes.Equal(b.Data[188:376], pmt()) &&
		mpegts.RandomAccess(b.Data[376:]) && b.Keyframe == 376 &&
		b.Marks[0].Kind == mpegts.MarkPAT && b.Marks[1].Kind == mpegts.MarkPMT && b.Marks[2].Key
}

// TestReaderContract is the stream-reader contract: a reader that does not read never delays the
// producer or another reader; when it reads again it resumes at a keyframe with PAT/PMT first, on a
// batch marked Lost; and every packet it lost is counted.
func TestReaderContract(t *testing.T) {
	h := NewHub()
	now := time.Now()
	h.Write(cat(pat(), pmt(), video(true, 1)), now)

	fast := h.AddReader(ReaderOptions{Name: "fast", Queue: 4})
	slow := h.AddReader(ReaderOptions{Name: "slow", Queue: 4})
	var sub mpegts.Subscription = h.Subscribe("recorder", 4) // the recorder's way in: same reader, same rules
	first := map[string]Item{}
	for name, c := range map[string]<-chan Item{"fast": fast.C, "slow": slow.C, "sub": sub.Batches()} {
		it := <-c
		if !startsAtKeyframeWithPSI(it) || it.Lost || it.Restart {
			t.Fatalf("%s: the first batch is not PAT, PMT, keyframe (from the GOP cache)", name)
		}
		first[name] = it
	}

	// The producer writes 400 batches (a keyframe every 5th) while slow and sub never read; the fast
	// reader takes everything as it comes. The producer would hang here if any reader could block it.
	const writes = 400
	written, fastGot := 0, 0
	var fastData []byte
	var want []byte
	for i := 0; i < writes; i++ {
		b := video(i%5 == 0, byte(i))
		h.Write(b, now)
		written++
		want = append(want, b...)
		it := <-fast.C
		fast.Done(it)
		fastGot += videoPackets(t, it)
		fastData = append(fastData, it.Data...)
	}
	if fastGot != written || !bytes.Equal(fastData, want) || fast.Dropped.Load() != 0 {
		t.Fatalf("the fast reader got %d of %d packets (dropped %d): a slow reader delayed or cost it packets",
			fastGot, written, fast.Dropped.Load())
	}
	if slow.Dropped.Load() == 0 || sub.Drops() == 0 {
		t.Fatal("readers that did not read lost nothing: the queue is not bounded")
	}

	// The slow reader reads again: its queue holds what fitted, then it resumes at the next keyframe.
	got := 0
	for len(slow.C) > 0 {
		it := <-slow.C
		slow.Done(it)
		got += videoPackets(t, it)
	}
	h.Write(video(false, 0xee), now) // no keyframe: still waiting
	if len(slow.C) != 0 {
		t.Fatal("a reader that lost packets was given a batch that does not start at a keyframe")
	}
	h.Write(cat(video(false, 0xef), video(true, 0xf0), video(false, 0xf1)), now)
	written += 4
	it := <-slow.C
	if !it.Lost || !startsAtKeyframeWithPSI(it) {
		t.Fatalf("after its loss the reader resumed with %d packets, Lost=%v, not at PAT, PMT, keyframe", len(it.Data)/188, it.Lost)
	}
	got += videoPackets(t, it)
	// Accounting: every video packet written after the first batch was either delivered or counted.
	if uint64(got)+slow.Dropped.Load() != uint64(written) {
		t.Fatalf("slow reader: %d delivered + %d counted as dropped != %d written", got, slow.Dropped.Load(), written)
	}

	// A new generation: every reader resumes at its first keyframe on a batch marked Restart.
	h.Reset()
	h.Write(cat(pat(), pmt(), video(false, 1), video(true, 2)), now)
	for len(fast.C) > 0 {
		it := <-fast.C
		if it.Restart {
			if !startsAtKeyframeWithPSI(it) {
				t.Fatal("the first batch of a new generation does not start at PAT, PMT, keyframe")
			}
			goto restarted
		}
	}
	t.Fatal("no batch marked Restart after Reset")
restarted:
	sub.Close()
	for range sub.Batches() { // closed by Close: this ends after what was queued
	}
	h.Close()
	if _, open := <-fast.C; open {
		t.Fatal("Close left a reader's channel open")
	}
}
