package segments

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeSeg makes a 2 s segment whose data says which one it is.
func fakeSeg(seq uint64, size int) Segment {
	return Segment{
		Seq: seq, Start: t0.Add(time.Duration(seq) * 2 * time.Second), Duration: 2 * time.Second,
		Data: bytes.Repeat([]byte{byte(seq)}, size), Keyframes: 1,
	}
}

func ringFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestRingKeepsPreRoll(t *testing.T) {
	for _, tc := range []struct {
		keep time.Duration
		want int // segments kept once full
	}{{6 * time.Second, 3}, {5 * time.Second, 3}, {7 * time.Second, 4}, {0, 1}} {
		dir := filepath.Join(t.TempDir(), "cam")
		r, err := OpenRing(dir, tc.keep, 0)
		if err != nil {
			t.Fatal(err)
		}
		for seq := range uint64(10) {
			if err := r.Add(fakeSeg(seq, 1000)); err != nil {
				t.Fatal(err)
			}
			all := r.Since(time.Time{})
			if want := min(int(seq)+1, tc.want); len(all) != want {
				t.Fatalf("keep %v: after %d segments the ring holds %d, want %d", tc.keep, seq+1, len(all), want)
			}
			var covered time.Duration
			for _, e := range all {
				covered += e.Duration
			}
			if seq >= uint64(tc.want) && covered < tc.keep {
				t.Fatalf("keep %v: ring covers only %v", tc.keep, covered)
			}
			if all[len(all)-1].Seq != seq {
				t.Fatalf("newest entry is %d, want %d", all[len(all)-1].Seq, seq)
			}
		}
		if files := ringFiles(t, dir); len(files) != tc.want {
			t.Fatalf("keep %v: %d files on disk (%v), want %d; evicted files must be deleted", tc.keep, len(files), files, tc.want)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("Close left the directory: %v", err)
		}
	}
}

func TestRingByteLimit(t *testing.T) {
	dir := t.TempDir()
	r, err := OpenRing(dir, time.Hour, 250_000)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for seq := range uint64(5) {
		if err := r.Add(fakeSeg(seq, 100_000)); err != nil {
			t.Fatal(err)
		}
	}
	if all := r.Since(time.Time{}); len(all) != 2 || all[0].Seq != 3 {
		t.Fatalf("250 kB limit with 100 kB segments: holds %d segments from %d, want 2 from 3", len(all), all[0].Seq)
	}
	// A segment bigger than the limit is still kept on its own.
	if err := r.Add(fakeSeg(5, 300_000)); err != nil {
		t.Fatal(err)
	}
	if all := r.Since(time.Time{}); len(all) != 1 || all[0].Seq != 5 || all[0].Size != 300_000 {
		t.Fatalf("after an oversized segment the ring holds %+v", all)
	}
	if files := ringFiles(t, dir); len(files) != 1 {
		t.Fatalf("files on disk: %v", files)
	}
}

func TestRingSinceAndRead(t *testing.T) {
	r, err := OpenRing(t.TempDir(), 6*time.Second, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for seq := range uint64(4) { // 0..3 added, 0 evicted; 1, 2, 3 cover t0+2s .. t0+8s
		if err := r.Add(fakeSeg(seq, 500+int(seq))); err != nil {
			t.Fatal(err)
		}
	}
	got := r.Since(t0.Add(4 * time.Second)) // segment 1 ends exactly at 4 s: not included
	if len(got) != 2 || got[0].Seq != 2 || got[1].Seq != 3 {
		t.Fatalf("Since(4 s) = %+v, want segments 2 and 3", got)
	}
	if got := r.Since(t0.Add(3999 * time.Millisecond)); len(got) != 3 {
		t.Fatalf("Since(3.999 s) returned %d segments, want 3", len(got))
	}
	for _, e := range got {
		b, err := r.Read(e)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, fakeSeg(e.Seq, 500+int(e.Seq)).Data) || e.Size != int64(len(b)) || e.Keyframes != 1 {
			t.Fatalf("segment %d reads back wrong (%d bytes)", e.Seq, len(b))
		}
	}
	old := got[0]
	for seq := uint64(4); seq < 8; seq++ {
		if err := r.Add(fakeSeg(seq, 10)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Read(old); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("reading an evicted segment: %v, want an error wrapping os.ErrNotExist", err)
	}
}

func TestRingClearsStaleFilesOnOpen(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ringFileName(41))
	other := filepath.Join(dir, "notes.txt")
	for _, p := range []string{stale, other} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := OpenRing(dir, 6*time.Second, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a stale segment file survived OpenRing")
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatal("OpenRing removed a file that is not a ring segment")
	}
	if len(r.Since(time.Time{})) != 0 {
		t.Fatal("a fresh ring lists segments")
	}
	if err := r.Add(fakeSeg(0, 10)); err != nil {
		t.Fatal(err)
	}
	// Close removes its own files but leaves the directory because of notes.txt.
	if err := r.Close(); err == nil {
		t.Fatal("Close reported success although the directory could not be removed")
	}
	if files := ringFiles(t, dir); len(files) != 1 || files[0] != "notes.txt" {
		t.Fatalf("after Close: %v", files)
	}
	if err := r.Add(fakeSeg(1, 10)); err == nil {
		t.Fatal("Add after Close succeeded")
	}
}

func TestRingConcurrentReaders(t *testing.T) {
	r, err := OpenRing(t.TempDir(), 4*time.Second, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, e := range r.Since(time.Time{}) {
				if b, err := r.Read(e); err == nil && (len(b) != 100 || b[0] != byte(e.Seq)) {
					t.Errorf("segment %d read back wrong", e.Seq)
				}
			}
		}
	}()
	for seq := range uint64(300) {
		if err := r.Add(fakeSeg(seq, 100)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}
