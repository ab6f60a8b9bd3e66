package onvif_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/onvif"
	"github.com/nvrproject/nvr/internal/onvif/onviftest"
)

// Discovery sends its probe by unicast to the fake's loopback responder (never multicast in tests).
func TestDiscoverFindsDeviceByUnicastProbe(t *testing.T) {
	d := onviftest.Start(t, "admin", "s3cret")
	devs, err := onvif.Discover(context.Background(), d.DiscoveryAddr(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 {
		t.Fatalf("found %d devices, want 1: %+v", len(devs), devs)
	}
	got := devs[0]
	if got.Manufacturer != onviftest.Maker || got.Model != onviftest.Model || got.Address != d.Addr() {
		t.Errorf("device = %+v, want maker %q model %q address %s", got, onviftest.Maker, onviftest.Model, d.Addr())
	}
}

func TestDiscoverRefusesNothingAnswering(t *testing.T) {
	// A loopback port nobody answers on: no devices, no error, done by the wait.
	d := onviftest.Start(t, "admin", "x")
	addr := d.DiscoveryAddr()
	d.Close()
	devs, err := onvif.Discover(context.Background(), addr, 300*time.Millisecond)
	if err != nil || len(devs) != 0 {
		t.Fatalf("Discover on a silent port = %+v, %v; want none, nil", devs, err)
	}
}

func TestProfilesReturnRTSPURIs(t *testing.T) {
	d := onviftest.Start(t, "admin", "s3cret")
	c, err := onvif.Dial(onvif.Target{Addr: d.Addr(), User: "admin", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info()
	if err != nil || info.Manufacturer != onviftest.Maker || info.Model != onviftest.Model {
		t.Fatalf("Info = %+v, %v", info, err)
	}
	ps, err := c.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("got %d profiles, want 2: %+v", len(ps), ps)
	}
	want := []onvif.Profile{
		{Token: "main", Name: "MainStream", Width: 1920, Height: 1080, Codec: "H264", RTSP: d.MainURI},
		{Token: "sub", Name: "SubStream", Width: 640, Height: 360, Codec: "H264", RTSP: d.SubURI},
	}
	for i := range want {
		if ps[i] != want[i] {
			t.Errorf("profile %d = %+v, want %+v", i, ps[i], want[i])
		}
	}
}

func TestWrongPasswordIsRefused(t *testing.T) {
	d := onviftest.Start(t, "admin", "s3cret")
	_, err := onvif.Dial(onvif.Target{Addr: d.Addr(), User: "admin", Password: "wrong"})
	if err == nil {
		t.Fatal("Dial with a wrong password succeeded")
	}
	if d.AuthFailures() == 0 {
		t.Errorf("the fake saw no failed digest; error was %v", err)
	}
}

func TestPTZCommandsReachDevice(t *testing.T) {
	d := onviftest.Start(t, "admin", "s3cret")
	s := &onvif.Service{MoveTimeout: time.Minute}
	defer s.Close()
	tg := onvif.Target{Addr: d.Addr(), User: "admin", Password: "s3cret"}
	ctx := context.Background()
	if err := s.Move(ctx, tg, 0.5, -0.25, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Move(ctx, tg, 2, 0, 0); err == nil {
		t.Error("a pan velocity of 2 was accepted")
	}
	if err := s.Stop(ctx, tg); err != nil {
		t.Fatal(err)
	}
	if err := s.GotoPreset(ctx, tg, "2"); err != nil {
		t.Fatal(err)
	}
	tok, err := s.SetPreset(ctx, tg, "Porch")
	if err != nil {
		t.Fatal(err)
	}
	presets, err := s.Presets(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(presets) != 3 || presets[2] != (onvif.Preset{Token: tok, Name: "Porch"}) {
		t.Errorf("presets = %+v, want the saved Porch (token %q) last", presets, tok)
	}
	calls := d.Calls()
	var ops []string
	for _, c := range calls {
		ops = append(ops, c.Op)
	}
	if strings.Join(ops, ",") != "ContinuousMove,Stop,GotoPreset,SetPreset" {
		t.Fatalf("calls = %v", ops)
	}
	if c := calls[0]; c.Pan != 0.5 || c.Tilt != -0.25 || c.Zoom != 1 || c.Profile != "main" {
		t.Errorf("move = %+v, want pan 0.5 tilt -0.25 zoom 1 on profile main", c)
	}
	if calls[2].Preset != "2" || calls[3].Name != "Porch" {
		t.Errorf("preset calls = %+v %+v", calls[2], calls[3])
	}
}

// A move with no follow-up (the browser went away) is stopped by the service itself.
func TestMoveStopsByItself(t *testing.T) {
	d := onviftest.Start(t, "admin", "s3cret")
	s := &onvif.Service{MoveTimeout: 200 * time.Millisecond}
	defer s.Close()
	tg := onvif.Target{Addr: d.Addr(), User: "admin", Password: "s3cret"}
	if err := s.Move(context.Background(), tg, 0, 0.3, 0); err != nil {
		t.Fatal(err)
	}
	d.WaitCall(t, 1, 20*time.Second, func(c onviftest.Call) bool { return c.Op == "Stop" })
}

// A follow-up move replaces the pending stop: the stop comes after the last move.
func TestFollowUpMoveDelaysStop(t *testing.T) {
	d := onviftest.Start(t, "admin", "s3cret")
	s := &onvif.Service{MoveTimeout: time.Second}
	defer s.Close()
	tg := onvif.Target{Addr: d.Addr(), User: "admin", Password: "s3cret"}
	for i := 0; i < 3; i++ {
		if i > 0 {
			time.Sleep(300 * time.Millisecond) // a browser repeating its move while the key is held
		}
		if err := s.Move(context.Background(), tg, 0.1*float64(i+1), 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	stop := d.WaitCall(t, 0, 20*time.Second, func(c onviftest.Call) bool { return c.Op == "Stop" })
	calls := d.Calls()
	var lastMove time.Time
	for _, c := range calls {
		if c.Op == "ContinuousMove" {
			lastMove = c.At
		}
	}
	// The stop is armed after the last move's answer, so it cannot come sooner than MoveTimeout after
	// it; a stop left armed by the first move would (the moves span 600 ms).
	if gap := stop.At.Sub(lastMove); gap < s.MoveTimeout {
		t.Errorf("stop came %v after the last move, want at least %v (calls %+v)", gap, s.MoveTimeout, calls)
	}
}
