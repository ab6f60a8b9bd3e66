package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestBackupAfterIntegrationWrites: the webhook and push tables leave no statement open that would
// stop the settings backup (VACUUM INTO).
func TestBackupAfterIntegrationWrites(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	u := &User{Name: "admin", Role: RoleAdmin, PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	h := &Webhook{URL: "http://127.0.0.1:9/", Secret: "s", Types: []string{"new"}, Enabled: true}
	if err := s.CreateWebhook(ctx, h); err != nil {
		t.Fatal(err)
	}
	d := &WebhookDelivery{WebhookID: h.ID, EventType: "test", Payload: []byte("{}")}
	if err := s.AddDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PendingDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deliveries(ctx, h.ID, 1); err != nil {
		t.Fatal(err)
	}
	p := &PushSubscription{UserID: u.ID, Endpoint: "https://push.example/1", P256dh: "k", Auth: "a", QuietS: 300}
	if err := s.SavePushSubscription(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PushSubscriptions(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, filepath.Join(dir, "b.db")); err != nil {
		t.Fatalf("backup after the integration writes: %v", err)
	}
}
