package onvif_test

import (
	"net"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/onvif"
	"github.com/nvrproject/nvr/internal/onvif/onviftest"
)

// TestDialSaysWhy: a wrong password, a missing account and an address where nothing listens each get
// their own sentence (the library says "not available or does not support ONVIF" to all three).
func TestDialSaysWhy(t *testing.T) {
	d := onviftest.Start(t, "admin", "s3cret")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	for _, c := range []struct {
		t    onvif.Target
		want string
	}{
		{onvif.Target{Addr: d.Addr(), User: "admin", Password: "wrong"}, "refused the user name or password"},
		{onvif.Target{Addr: d.Addr()}, "wants a user name and password"},
		{onvif.Target{Addr: dead, User: "admin", Password: "s3cret"}, "nothing answers at " + dead},
	} {
		_, err := onvif.Dial(c.t)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Dial %+v: %v, want it to say %q", c.t, err, c.want)
		}
	}
}
