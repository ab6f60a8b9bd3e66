package ipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

func TestRoundTrip(t *testing.T) {
	a, b := net.Pipe()
	ca, cb := NewConn(a), NewConn(b)
	defer ca.Close()
	defer cb.Close()
	wall := time.Date(2026, 11, 25, 10, 0, 0, 123, time.UTC)
	jpeg := bytes.Repeat([]byte{0xff, 0xd8}, 5000)
	go func() {
		_ = ca.Send(&Envelope{Kind: KindHello, Hello: &Hello{PID: 42, Generation: 7, CameraID: "cam"}})
		_ = ca.Send(&Envelope{Kind: KindKeyframe, Keyframe: &Keyframe{CameraID: "cam", PTS: 3 * time.Second, WallNS: wall.UnixNano(), Width: 1920, Height: 1080, JPEG: jpeg}})
		_ = ca.Send(&Envelope{Kind: KindSubRelay, SubRelay: &SubRelay{On: true}})
		_ = ca.Send(&Envelope{Kind: KindStop})
	}()
	e, err := cb.Receive()
	if err != nil || e.Kind != KindHello || e.Hello.PID != 42 || e.Hello.Generation != 7 {
		t.Fatalf("hello: %+v %v", e, err)
	}
	e, err = cb.Receive()
	if err != nil || e.Kind != KindKeyframe {
		t.Fatalf("keyframe: %v", err)
	}
	k := e.Keyframe
	if k.PTS != 3*time.Second || !k.Wall().Equal(wall) || k.Width != 1920 || !bytes.Equal(k.JPEG, jpeg) {
		t.Fatalf("keyframe fields differ: pts=%v wall=%v w=%d len=%d", k.PTS, k.Wall(), k.Width, len(k.JPEG))
	}
	e, err = cb.Receive()
	if err != nil || e.Kind != KindSubRelay || !e.SubRelay.On {
		t.Fatalf("subrelay: %+v %v", e, err)
	}
	e, err = cb.Receive()
	if err != nil || e.Kind != KindStop {
		t.Fatalf("stop: %+v %v", e, err)
	}
	a.Close()
	if _, err := cb.Receive(); !errors.Is(err, io.EOF) {
		t.Fatalf("after close: want EOF, got %v", err)
	}
}

func TestRejectsWrongVersionAndMissingPayload(t *testing.T) {
	body, _ := msgpack.Marshal(&Envelope{Version: ProtocolVersion + 1, Kind: KindStop})
	var ve *VersionError
	if _, err := Decode(body); !errors.As(err, &ve) {
		t.Fatalf("want VersionError, got %v", err)
	}
	body, _ = msgpack.Marshal(&Envelope{Version: ProtocolVersion, Kind: KindKeyframe})
	if _, err := Decode(body); err == nil {
		t.Fatal("keyframe without payload accepted")
	}
	body, _ = msgpack.Marshal(&Envelope{Version: ProtocolVersion, Kind: 99})
	if _, err := Decode(body); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

func TestRejectsOversizeFrame(t *testing.T) {
	var buf bytes.Buffer
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], MaxMessageSize+1)
	buf.Write(hdr[:])
	c := NewConn(nopCloser{&buf})
	if _, err := c.Receive(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
}

type nopCloser struct{ io.ReadWriter }

func (nopCloser) Close() error { return nil }

func FuzzDecode(f *testing.F) {
	for _, e := range []*Envelope{
		{Version: ProtocolVersion, Kind: KindHello, Hello: &Hello{PID: 1}},
		{Version: ProtocolVersion, Kind: KindKeyframe, Keyframe: &Keyframe{JPEG: []byte{1, 2, 3}, Width: 10}},
		{Version: ProtocolVersion, Kind: KindError, Error: &Error{Message: "x"}},
	} {
		b, _ := msgpack.Marshal(e)
		f.Add(b)
	}
	f.Add([]byte{0xc1})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Decode(data)
		if err != nil {
			return
		}
		// A decoded envelope must be safe to use by kind.
		switch e.Kind {
		case KindHello:
			_ = e.Hello.PID
		case KindConfig:
			_ = e.Config.URL
		case KindKeyframe:
			_ = len(e.Keyframe.JPEG)
		case KindStatus:
			_ = e.Status.Codec
		case KindError:
			_ = e.Error.Message
		}
		// And it re-encodes.
		if _, err := msgpack.Marshal(e); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
	})
}
