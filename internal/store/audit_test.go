package store

import (
	"context"
	"testing"
	"time"
)

// TestAuditKeptForTheLongestRetention: entries are kept as long as the longest camera retention, 30
// days at least; filters select by user, camera, action and time.
func TestAuditKeptForTheLongestRetention(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d := s.AuditRetention(ctx); d != 30*24*time.Hour {
		t.Fatalf("retention without cameras %s, want 30 days", d)
	}
	c := &Camera{Name: "Yard", URL: "rtsp://127.0.0.1/s", CameraSettings: DefaultSettings()}
	c.Record.MaxAgeDays = 90
	if err := s.CreateCamera(ctx, c); err != nil {
		t.Fatal(err)
	}
	if d := s.AuditRetention(ctx); d != 90*24*time.Hour {
		t.Fatalf("retention with a 90-day camera %s", d)
	}
	now := time.Now()
	for _, e := range []AuditEntry{
		{At: now.Add(-100 * 24 * time.Hour), User: "ann", Action: AuditLoginOK},
		{At: now.Add(-time.Hour), User: "ann", Action: AuditLiveStart, Camera: "yard"},
		{At: now, User: "bob", Action: AuditExport, Camera: "yard"},
	} {
		if err := s.AddAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.PruneAudit(ctx, now.Add(-s.AuditRetention(ctx))); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want the 100-day-old entry", n, err)
	}
	for _, c := range []struct {
		f    AuditFilter
		want int
	}{{AuditFilter{}, 2}, {AuditFilter{User: "ann"}, 1}, {AuditFilter{Camera: "yard", Action: AuditExport}, 1},
		{AuditFilter{Since: now.Add(-time.Minute)}, 1}, {AuditFilter{Until: now.Add(-time.Minute)}, 1}} {
		if got, err := s.ListAudit(ctx, c.f); err != nil || len(got) != c.want {
			t.Errorf("filter %+v: %d entries (%v), want %d", c.f, len(got), err, c.want)
		}
	}
}
