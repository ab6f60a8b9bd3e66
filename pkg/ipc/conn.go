package ipc

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// MaxMessageSize bounds one frame; a 4K keyframe JPEG is well under it.
const MaxMessageSize = 32 << 20

// ErrTooLarge is returned for a frame whose length prefix exceeds MaxMessageSize.
var ErrTooLarge = errors.New("ipc message is larger than the 32 MiB limit")

// Conn reads and writes Envelopes on a stream. Send is safe for concurrent use; Receive is not (one
// reader goroutine owns it).
type Conn struct {
	rw  io.ReadWriteCloser
	br  *bufio.Reader
	wmu sync.Mutex
}

// NewConn wraps a connected stream, usually a *net.UnixConn.
func NewConn(rw io.ReadWriteCloser) *Conn {
	return &Conn{rw: rw, br: bufio.NewReaderSize(rw, 64<<10)}
}

// Send writes one envelope, stamping it with ProtocolVersion.
func (c *Conn) Send(e *Envelope) error {
	e.Version = ProtocolVersion
	body, err := msgpack.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode %s message: %w", e.Kind, err)
	}
	if len(body) > MaxMessageSize {
		return ErrTooLarge
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(body)))
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.rw.Write(append(hdr[:], body...)); err != nil {
		return fmt.Errorf("send %s message: %w", e.Kind, err)
	}
	return nil
}

// Receive reads the next envelope. It returns io.EOF when the peer closed the socket cleanly.
func (c *Conn) Receive() (*Envelope, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > MaxMessageSize {
		return nil, ErrTooLarge
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.br, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read ipc message: %w", err)
	}
	return Decode(body)
}

// Decode parses one frame body. It rejects unknown versions and envelopes whose payload does not match
// their kind, so callers may dereference the payload of the kind they switch on.
func Decode(body []byte) (e *Envelope, err error) {
	// The msgpack library can panic on some malformed input; a bad frame must never crash nvrd.
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("decode ipc message: malformed frame (%v)", r)
		}
	}()
	return decode(body)
}

func decode(body []byte) (*Envelope, error) {
	var e Envelope
	if err := msgpack.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("decode ipc message: %w", err)
	}
	if e.Version != ProtocolVersion {
		return nil, &VersionError{Got: e.Version}
	}
	var ok bool
	switch e.Kind {
	case KindHello:
		ok = e.Hello != nil
	case KindConfig:
		ok = e.Config != nil
	case KindKeyframe:
		ok = e.Keyframe != nil
	case KindStatus:
		ok = e.Status != nil
	case KindError:
		ok = e.Error != nil
	case KindStop:
		ok = true
	case KindSubRelay:
		ok = e.SubRelay != nil
	}
	if !ok {
		return nil, fmt.Errorf("decode ipc message: kind %d (%s) without its payload", e.Kind, e.Kind)
	}
	return &e, nil
}

// Close closes the underlying stream.
func (c *Conn) Close() error { return c.rw.Close() }

// VersionError says the peer speaks another protocol version (an old worker binary beside a new nvrd).
type VersionError struct{ Got uint16 }

// Error says which versions differ and how to fix it.
func (e *VersionError) Error() string {
	return fmt.Sprintf("worker speaks ipc protocol version %d but nvrd speaks %d; rebuild both with make build", e.Got, ProtocolVersion)
}
