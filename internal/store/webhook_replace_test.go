package store

import (
	"context"
	"errors"
	"testing"
)

// TestReplaceWebhooksIsAllOrNothing: a replace that names a rule which is gone changes nothing; a
// good one updates, inserts and deletes (with the deleted rule's log) in one go.
func TestReplaceWebhooksIsAllOrNothing(t *testing.T) {
	st := openTestStore(t)
	ctx := context.Background()
	a := &Webhook{URL: "http://127.0.0.1:9/a", Secret: "sa", Types: []string{"new"}, Enabled: true}
	b := &Webhook{URL: "http://127.0.0.1:9/b", Secret: "sb", Types: []string{"new"}, Enabled: true}
	for _, h := range []*Webhook{a, b} {
		if err := st.CreateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddDelivery(ctx, &WebhookDelivery{WebhookID: b.ID, EventType: "test", Payload: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	gone := &Webhook{ID: 999, URL: "http://127.0.0.1:9/x", Secret: "s"}
	changed := &Webhook{ID: a.ID, URL: "http://127.0.0.1:9/a2", Secret: "sa"}
	fresh := &Webhook{URL: "http://127.0.0.1:9/c", Secret: "sc", Types: []string{"end"}}
	if err := st.ReplaceWebhooks(ctx, []*Webhook{changed, fresh, gone}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("replace naming a missing rule: %v, want ErrNotFound", err)
	}
	if fresh.ID != 0 {
		t.Errorf("a failed replace left the new rule an id (%d)", fresh.ID)
	}
	hooks, _ := st.Webhooks(ctx)
	if len(hooks) != 2 || hooks[0].URL != a.URL || hooks[1].URL != b.URL {
		t.Fatalf("a failed replace changed the rules: %d rules", len(hooks))
	}
	if err := st.ReplaceWebhooks(ctx, []*Webhook{changed, fresh}); err != nil {
		t.Fatal(err)
	}
	hooks, _ = st.Webhooks(ctx)
	if len(hooks) != 2 || hooks[0].ID != a.ID || hooks[0].URL != changed.URL || hooks[1].ID != fresh.ID || hooks[1].URL != fresh.URL {
		t.Fatalf("after the replace: %+v %+v", hooks[0], hooks[1])
	}
	if ds, err := st.Deliveries(ctx, b.ID, 10); err != nil || len(ds) != 0 {
		t.Errorf("the deleted rule's log: %d deliveries (%v), want none", len(ds), err)
	}
}
