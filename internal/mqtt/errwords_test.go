package mqtt

import (
	"net"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// TestConnectErrorInWords: a broker address where nothing listens is said so, not as a dial error.
func TestConnectErrorInWords(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.Dial("tcp", addr)
	if err == nil {
		testskip.Skip(t, "something listens again on the closed port", "run the test again")
	}
	got := connectError(addr, err).Error()
	if want := "nothing is listening at " + addr + " (connection refused)"; !strings.Contains(got, want) || strings.Contains(got, "dial tcp") {
		t.Errorf("%q, want a sentence with %q", got, want)
	}
}
