package ipc

import (
	"bufio"
	"bytes"
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
	wb  bytes.Buffer     // under wmu: the frame being written, reused (length prefix, then body)
	enc *msgpack.Encoder // under wmu: encodes into wb
}

// NewConn wraps a connected stream, usually a *net.UnixConn.
func NewConn(rw io.ReadWriteCloser) *Conn {
	return &Conn{rw: rw, br: bufio.NewReaderSize(rw, 64<<10)}
}

// Send writes one envelope, stamping it with ProtocolVersion. The frame is encoded into a buffer the
// connection keeps (no allocation per message once it has grown) and written with one call.
func (c *Conn) Send(e *Envelope) error {
	e.Version = ProtocolVersion
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.enc == nil {
		c.enc = msgpack.NewEncoder(&c.wb)
	}
	c.wb.Reset()
	c.wb.Write([]byte{0, 0, 0, 0}) // the length, set below
	if err := c.enc.Encode(e); err != nil {
		return fmt.Errorf("encode %s message: %w", e.Kind, err)
	}
	frame := c.wb.Bytes()
	n := len(frame) - 4
	if n > MaxMessageSize {
		return ErrTooLarge
	}
	binary.BigEndian.PutUint32(frame[:4], uint32(n))
	_, err := c.rw.Write(frame)
	if c.wb.Cap() > 4<<20 {
		c.wb = bytes.Buffer{} // one huge message does not pin its buffer
		c.enc = nil
	}
	if err != nil {
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
	case KindWant:
		ok = e.Want != nil
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
