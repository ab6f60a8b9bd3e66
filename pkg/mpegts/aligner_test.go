package mpegts

import (
	"bytes"
	"testing"
)

// FeedOwned gives the same packets as Feed for every read shape (whole packets, split packets, lost
// sync), and shares a read of whole packets in sync instead of copying it.
func TestAlignerFeedOwnedMatchesFeed(t *testing.T) {
	pkt := func(b byte) []byte {
		p := make([]byte, PacketSize)
		p[0] = SyncByte
		for i := 1; i < PacketSize; i++ {
			p[i] = b
		}
		return p
	}
	var stream []byte
	for i := range 40 {
		stream = append(stream, pkt(byte(i))...)
	}
	// Reads: 3 whole packets, 1.5 packets, the rest of that one and 2 more, garbage then packets,
	// whole packets again.
	cuts := []int{3 * PacketSize, 4*PacketSize + 94, 7 * PacketSize, 10 * PacketSize}
	var reads [][]byte
	prev := 0
	for _, c := range cuts {
		reads = append(reads, stream[prev:c])
		prev = c
	}
	reads = append(reads, append([]byte{1, 2, 3}, stream[prev:20*PacketSize]...), stream[20*PacketSize:])

	var byFeed, byOwned Aligner
	for i, r := range reads {
		want := byFeed.Feed(r)
		own := append([]byte(nil), r...) // given away
		got := byOwned.FeedOwned(own)
		if !bytes.Equal(got, want) {
			t.Fatalf("read %d: FeedOwned gave %d bytes, Feed %d, or other bytes", i, len(got), len(want))
		}
		shared := len(got) > 0 && &got[0] == &own[0]
		whole := i == 0 || i == 3 || i == 5 // whole packets in sync, nothing pending
		if shared != whole {
			t.Fatalf("read %d: shared %v, want %v", i, shared, whole)
		}
		if shared && cap(got) != len(got) {
			t.Fatalf("read %d: shared slice has room beyond its packets (cap %d, len %d)", i, cap(got), len(got))
		}
	}
	if byOwned.Resyncs != byFeed.Resyncs || byOwned.Skipped != byFeed.Skipped || byOwned.Resyncs == 0 {
		t.Fatalf("resyncs %d/%d, skipped %d/%d", byOwned.Resyncs, byFeed.Resyncs, byOwned.Skipped, byFeed.Skipped)
	}
}

// BenchmarkAlignerFeed measures one 1080p frame's read (about 20 KB of whole packets) by Feed and
// FeedOwned.
func BenchmarkAlignerFeed(b *testing.B) {
	read := make([]byte, 110*PacketSize)
	for i := 0; i < len(read); i += PacketSize {
		read[i] = SyncByte
	}
	b.Run("Feed", func(b *testing.B) {
		var a Aligner
		b.SetBytes(int64(len(read)))
		for range b.N {
			a.Feed(read)
		}
	})
	b.Run("FeedOwned", func(b *testing.B) {
		var a Aligner
		b.SetBytes(int64(len(read)))
		for range b.N {
			a.FeedOwned(read)
		}
	})
}
