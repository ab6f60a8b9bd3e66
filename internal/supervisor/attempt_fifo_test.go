package supervisor

import (
	"bytes"
	"os"
	"sync"
	"testing"
	"time"
)

// Each FIFO read goes into memory no earlier read was given: the hub's batches share it.
func TestReadArenaNeverReusesARead(t *testing.T) {
	var a readArena
	var taken [][]byte
	for i := range 200 {
		buf := a.next()
		if len(buf) < fifoChunkMinFree || len(buf) > fifoReadSize {
			t.Fatalf("read %d: buffer of %d bytes", i, len(buf))
		}
		n := min(len(buf), 1000+i*997%len(buf))
		for j := range n {
			buf[j] = byte(i)
		}
		b := a.take(n)
		if cap(b) != n {
			t.Fatalf("read %d: cap %d, want %d", i, cap(b), n)
		}
		taken = append(taken, b)
	}
	for i, b := range taken {
		for j, v := range b {
			if v != byte(i) {
				t.Fatalf("read %d was overwritten at %d", i, j)
			}
		}
	}
}

// recordSink keeps every read it is given, and counts Resets.
type recordSink struct {
	mu     sync.Mutex
	reads  [][]byte
	resets int
	got    chan struct{}
}

func (s *recordSink) WriteOwned(raw []byte, _ time.Time) {
	s.mu.Lock()
	s.reads = append(s.reads, raw)
	s.mu.Unlock()
	s.got <- struct{}{}
}

func (s *recordSink) Reset() {
	s.mu.Lock()
	s.resets++
	s.mu.Unlock()
}

func (s *recordSink) resetCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resets
}

// The shared FIFO loop (both the main stream's and the substream's) gives the sink each read in memory
// no later read touches, and with an idle limit resets the sink once per silence after bytes.
func TestFIFOReaderOwnedReadsAndIdleReset(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	sink := &recordSink{got: make(chan struct{}, 64)}
	r := startFIFOReader(pr, sink, 50*time.Millisecond, nil)
	if sink.resetCount() != 1 {
		t.Fatalf("%d resets at start, want 1", sink.resetCount())
	}
	const bursts = 6
	for i := range bursts {
		burst := bytes.Repeat([]byte{byte(i + 1)}, 188*(i+1))
		if _, err := pw.Write(burst); err != nil {
			t.Fatal(err)
		}
		select {
		case <-sink.got:
		case <-time.After(5 * time.Second):
			t.Fatalf("burst %d never reached the sink", i)
		}
		for len(sink.got) > 0 { // a burst read in two pieces
			<-sink.got
		}
	}
	// Silence past the idle limit: one Reset, not one per deadline.
	deadline := time.Now().Add(5 * time.Second)
	for sink.resetCount() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // several more idle deadlines
	if n := sink.resetCount(); n != 2 {
		t.Fatalf("%d resets after bytes and silence, want 2", n)
	}
	pr.Close()
	r.wait()

	sink.mu.Lock()
	defer sink.mu.Unlock()
	var all []byte
	for _, b := range sink.reads {
		all = append(all, b...)
	}
	var want []byte
	for i := range bursts {
		want = append(want, bytes.Repeat([]byte{byte(i + 1)}, 188*(i+1))...)
	}
	if !bytes.Equal(all, want) {
		t.Fatalf("the sink's reads hold %d bytes that differ from the %d written: a later read overwrote an earlier one", len(all), len(want))
	}
}
