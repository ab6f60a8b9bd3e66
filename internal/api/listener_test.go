package api

import (
	"io"
	"net"
	"testing"
	"time"
)

func TestLimitsForFiles(t *testing.T) {
	for _, c := range []struct {
		limit        uint64
		total, perIP int
	}{
		{1024, 384, 64},     // 256 kept for recording, two descriptors per connection
		{20000, 4096, 64},   // bounded by maxTotalConns
		{256, 16, 16},       // a tiny limit still serves a few
		{1 << 20, 4096, 64}, // huge hard limits
		{4096, 1536, 64},    // a quarter kept
	} {
		got := LimitsForFiles(c.limit)
		if got.Total != c.total || got.PerAddr != c.perIP {
			t.Errorf("limit %d: %+v, want total %d per address %d", c.limit, got, c.total, c.perIP)
		}
		if c.limit >= 1024 && uint64(2*got.Total) > c.limit-max(256, c.limit/4) {
			t.Errorf("limit %d: connections may take the recording reserve", c.limit)
		}
	}
}

// TestLimitListenerCaps: over the per-address cap a connection is closed at once; another address is
// still served; a closed connection frees its slot.
func TestLimitListenerCaps(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(raw, ConnLimits{Total: 3, PerAddr: 2}, nil).(*limitListener)
	defer ln.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	dial := func(local string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	waitAccepted := func(what string) net.Conn {
		select {
		case c := <-accepted:
			return c
		case <-time.After(5 * time.Second):
			t.Fatalf("%s was not accepted", what)
			return nil
		}
	}
	// closedByServer reports whether the server closed c (EOF) rather than kept it open.
	closedByServer := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := c.Read(make([]byte, 1))
		return err == io.EOF || (err != nil && !isTimeout(err))
	}
	a1, a2 := dial("127.0.0.1"), dial("127.0.0.1")
	s1 := waitAccepted("first from 127.0.0.1")
	waitAccepted("second from 127.0.0.1")
	a3 := dial("127.0.0.1")
	if !closedByServer(a3) {
		t.Fatal("a third connection from one address was kept over the per-address cap of 2")
	}
	b1 := dial("127.0.0.2")
	waitAccepted("first from 127.0.0.2")
	c1 := dial("127.0.0.3")
	if !closedByServer(c1) {
		t.Fatal("a fourth connection was kept over the total cap of 3")
	}
	if ln.Open() != 3 {
		t.Fatalf("open = %d, want 3", ln.Open())
	}
	s1.Close()
	s1.Close() // a second Close does not give the slot back twice
	if ln.Open() != 2 {
		t.Fatalf("after one close open = %d, want 2", ln.Open())
	}
	dial("127.0.0.1")
	waitAccepted("a connection after a slot was freed")
	_, _, _ = a1, a2, b1
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
