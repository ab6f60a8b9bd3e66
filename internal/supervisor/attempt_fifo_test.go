package supervisor

import "testing"

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
