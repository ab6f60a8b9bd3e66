package mqtt

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
)

// fakeStore is the camera part of Store in memory (a unit test of command rules; the e2e tests use
// the real store and broker).
type fakeStore struct {
	Store
	cams    map[string]*store.Camera
	updates int
}

func (f *fakeStore) Camera(_ context.Context, id string) (*store.Camera, error) {
	c, ok := f.cams[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	cp := *c
	return &cp, nil
}

func (f *fakeStore) UpdateCamera(_ context.Context, c *store.Camera) error {
	cp := *c
	f.cams[c.ID] = &cp
	f.updates++
	return nil
}

// TestCommands: ON/OFF switches change the camera like PATCH would, recording ON restores the mode it
// had, a repeated command writes nothing, bad payloads change nothing, and an unknown camera is logged
// once however often it is named.
func TestCommands(t *testing.T) {
	var logs bytes.Buffer
	fs := &fakeStore{cams: map[string]*store.Camera{"yard": {ID: "yard", Enabled: true,
		CameraSettings: store.CameraSettings{Record: store.RecordSettings{Mode: store.RecordContinuous},
			Motion: store.MotionSettings{Enabled: true}, Detect: store.DetectSettings{Enabled: true}}}}}
	changed := 0
	s := New(Options{Store: fs, Log: slog.New(slog.NewTextHandler(&logs, nil)), Changed: func() { changed++ }})
	r := newRun(s, DefaultSettings())
	ctx := context.Background()
	do := func(topic, payload string) { r.command(ctx, command{topic: topic, payload: payload}) }

	do("nvr/yard/recording/set", "OFF")
	if m := fs.cams["yard"].Record.Mode; m != store.RecordOff || changed != 1 {
		t.Fatalf("recording OFF: mode %q, changed %d", m, changed)
	}
	do("nvr/yard/recording/set", "OFF")
	if fs.updates != 1 {
		t.Fatalf("a repeated OFF wrote the camera again (%d writes)", fs.updates)
	}
	do("nvr/yard/recording/set", "ON")
	if m := fs.cams["yard"].Record.Mode; m != store.RecordContinuous {
		t.Fatalf("recording ON: mode %q, want the continuous it had", m)
	}
	do("nvr/yard/detect/set", "off")
	do("nvr/yard/motion/set", "OFF")
	do("nvr/yard/enabled/set", "OFF")
	if c := fs.cams["yard"]; c.Detect.Enabled || c.Motion.Enabled || c.Enabled {
		t.Fatalf("switches not applied: %+v", c)
	}
	n := fs.updates
	do("nvr/yard/enabled/set", "maybe")
	do("nvr/yard/colour/set", "ON")
	do("other/yard/enabled/set", "ON")
	if fs.updates != n {
		t.Fatal("a bad command changed the camera")
	}
	for range 3 {
		do("nvr/gate/recording/set", "ON")
	}
	if got := strings.Count(logs.String(), "camera that does not exist"); got != 1 {
		t.Fatalf("an unknown camera was logged %d times, want once:\n%s", got, logs.String())
	}
}
