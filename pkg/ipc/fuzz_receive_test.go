package ipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// FuzzReceive reads a stream of arbitrary bytes as length-prefixed frames, as nvrd reads a worker's
// socket: it never panics, never allocates past MaxMessageSize, and ends with an error (EOF at the
// latest) after at most one message per frame header.
func FuzzReceive(f *testing.F) {
	b, _ := msgpack.Marshal(&Envelope{Version: ProtocolVersion, Kind: KindHello, Hello: &Hello{PID: 1}})
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
	f.Add(append(hdr[:], b...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 5, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewConn(nopCloser{bytes.NewBuffer(data)})
		for i := 0; ; i++ {
			if i > len(data)/4+1 {
				t.Fatalf("%d messages from %d bytes", i, len(data))
			}
			e, err := c.Receive()
			if err != nil {
				if errors.Is(err, ErrTooLarge) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return
				}
				continue // a bad frame: the next one is read, as nvrd's reader does
			}
			if e == nil || e.Version != ProtocolVersion {
				t.Fatalf("accepted envelope %+v", e)
			}
		}
	})
}
