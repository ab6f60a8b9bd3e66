package store

import (
	"context"
	"errors"
	"testing"
)

func TestCameraStoreAcrossHandles(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(dir) // a second process, like `nvrd camera add` beside a running nvrd
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	rev0, _ := a.CamerasRevision(ctx)
	c := &Camera{Name: "Back Yard!", URL: "rtsp://cam/s", Enabled: true, CameraSettings: DefaultSettings()}
	if err := b.CreateCamera(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.ID != "back-yard" {
		t.Fatalf("id %q", c.ID)
	}
	c2 := &Camera{Name: "back yard!", URL: "rtsp://cam/s", CameraSettings: DefaultSettings()}
	if err := b.CreateCamera(ctx, c2); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate name (case-insensitive): %v", err)
	}
	c3 := &Camera{Name: "Back-Yard", URL: "rtsp://cam/s", CameraSettings: DefaultSettings()}
	if err := b.CreateCamera(ctx, c3); err != nil || c3.ID != "back-yard-2" {
		t.Fatalf("a different name with the same slug must get a new id: %q %v", c3.ID, err)
	}
	rev1, _ := a.CamerasRevision(ctx)
	if rev1 <= rev0 {
		t.Fatal("revision did not change for the other handle")
	}
	got, err := a.CameraByName(ctx, "BACK YARD!")
	if err != nil || got.URL != "rtsp://cam/s" || got.Record.Mode != RecordEvents {
		t.Fatalf("by name: %+v %v", got, err)
	}
	if err := a.DeleteCamera(ctx, "back-yard"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Camera(ctx, "back-yard"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}
