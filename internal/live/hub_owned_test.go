package live

import (
	"bytes"
	"testing"
	"time"
)

// WriteOwned feeds readers the same batches as Write (packets, marks, drops to the next keyframe),
// sharing the given reads instead of copying them.
func TestWriteOwnedMatchesWrite(t *testing.T) {
	now := time.Now()
	reads := [][]byte{
		cat(pat(), pmt(), video(true, 1), video(false, 2)),
		video(false, 3)[:100], // a split packet: copied when whole
		cat(video(false, 3)[100:], video(false, 4)),
		cat(video(true, 5), video(false, 6)),
	}
	byWrite, byOwned := NewHub(), NewHub()
	rw := byWrite.AddReader(ReaderOptions{Name: "w", Queue: 8})
	ro := byOwned.AddReader(ReaderOptions{Name: "o", Queue: 8})
	dw := byWrite.AddReader(ReaderOptions{Name: "slow w", Queue: 1})
	do := byOwned.AddReader(ReaderOptions{Name: "slow o", Queue: 1})
	var given [][]byte
	for _, r := range reads {
		byWrite.Write(r, now)
		own := append([]byte(nil), r...)
		given = append(given, own)
		byOwned.WriteOwned(own, now)
	}
	// A queue of 1: both slow readers dropped the same packets.
	if dw.Dropped.Load() != do.Dropped.Load() || do.Dropped.Load() == 0 {
		t.Fatalf("dropped %d by Write, %d by WriteOwned (want equal, not 0)", dw.Dropped.Load(), do.Dropped.Load())
	}
	for i := 0; ; i++ {
		var w, o Item
		select {
		case w = <-rw.C:
		default:
		}
		select {
		case o = <-ro.C:
		default:
		}
		if w.Data == nil && o.Data == nil {
			if i < 3 {
				t.Fatalf("only %d batches", i)
			}
			break
		}
		if !bytes.Equal(w.Data, o.Data) || len(w.Marks) != len(o.Marks) || w.Keyframe != o.Keyframe || w.Lost != o.Lost {
			t.Fatalf("batch %d differs: %d/%d bytes, %d/%d marks, keyframe %d/%d, lost %v/%v",
				i, len(w.Data), len(o.Data), len(w.Marks), len(o.Marks), w.Keyframe, o.Keyframe, w.Lost, o.Lost)
		}
		for j := range w.Marks {
			if w.Marks[j] != o.Marks[j] {
				t.Fatalf("batch %d mark %d: %+v / %+v", i, j, w.Marks[j], o.Marks[j])
			}
		}
		// The first batch is led by PSI (a copy), the second is the split packet's read (copied to
		// join it); the third is the last read, whole packets: shared.
		if i == 2 && &o.Data[0] != &given[3][0] {
			t.Fatal("the batch of a read of whole packets is a copy, not the read itself")
		}
	}
	if byOwned.Stats().BytesIn != byWrite.Stats().BytesIn {
		t.Fatal("bytes in differ")
	}
}
