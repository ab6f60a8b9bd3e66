package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Webhook is one webhook rule: events that match it (camera, kind, label, minimum score and change
// type; "" = any) are POSTed as JSON to URL, signed with Secret.
type Webhook struct {
	ID       int64
	Name     string
	URL      string
	Secret   string
	Camera   string
	Kind     string
	Label    string
	MinScore float64
	Types    []string // new, update, end
	Enabled  bool
	Created  time.Time
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // given up (retry window over, or the rule was changed away)
)

// WebhookDelivery is one message to one webhook and how its delivery went.
type WebhookDelivery struct {
	ID         int64
	WebhookID  int64
	EventID    int64
	EventType  string // new, update, end, test
	Test       bool
	Payload    []byte
	State      string
	Attempts   int
	LastStatus int    // the receiver's last HTTP status (0: none)
	Error      string // the last failure, in words
	Created    time.Time
	Updated    time.Time
	Next       time.Time // the next attempt (pending)
}

// DeliveriesKept is how many deliveries the log keeps per webhook.
const DeliveriesKept = 200

const webhookCols = `id, name, url, secret, camera, kind, label, min_score, types, enabled, created_ns`

func scanWebhook(sc interface{ Scan(...any) error }) (*Webhook, error) {
	var h Webhook
	var types string
	var created int64
	if err := sc.Scan(&h.ID, &h.Name, &h.URL, &h.Secret, &h.Camera, &h.Kind, &h.Label, &h.MinScore, &types,
		&h.Enabled, &created); err != nil {
		return nil, err
	}
	h.Types = splitList(types)
	h.Created = time.Unix(0, created)
	return &h, nil
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Webhooks lists the webhook rules, oldest first.
func (s *Store) Webhooks(ctx context.Context) ([]*Webhook, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+webhookCols+` FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read the webhooks: %w", err)
	}
	defer rows.Close()
	out := []*Webhook{}
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("read the webhooks: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Webhook returns one webhook rule (ErrNotFound if there is none).
func (s *Store) Webhook(ctx context.Context, id int64) (*Webhook, error) {
	h, err := scanWebhook(s.db.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read webhook %d: %w", id, err)
	}
	return h, nil
}

// CreateWebhook inserts a rule and sets its ID and Created.
func (s *Store) CreateWebhook(ctx context.Context, h *Webhook) error {
	h.Created = time.Now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO webhooks(name, url, secret, camera, kind, label, min_score, types,
		enabled, created_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.Name, h.URL, h.Secret, h.Camera, h.Kind, h.Label,
		h.MinScore, strings.Join(h.Types, ","), h.Enabled, h.Created.UnixNano())
	if err != nil {
		return fmt.Errorf("save the webhook: %w", err)
	}
	h.ID, _ = res.LastInsertId()
	return nil
}

// UpdateWebhook replaces a rule's fields (ErrNotFound if it is gone).
func (s *Store) UpdateWebhook(ctx context.Context, h *Webhook) error {
	res, err := s.db.ExecContext(ctx, `UPDATE webhooks SET name = ?, url = ?, secret = ?, camera = ?, kind = ?,
		label = ?, min_score = ?, types = ?, enabled = ? WHERE id = ?`, h.Name, h.URL, h.Secret, h.Camera, h.Kind,
		h.Label, h.MinScore, strings.Join(h.Types, ","), h.Enabled, h.ID)
	if err != nil {
		return fmt.Errorf("save webhook %d: %w", h.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook %d: %w", h.ID, ErrNotFound)
	}
	return nil
}

// DeleteWebhook removes a rule and its delivery log (ErrNotFound if there is none).
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete webhook %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	return nil
}

const deliveryCols = `id, webhook_id, event_id, event_type, test, payload, state, attempts, last_status, error,
	created_ns, updated_ns, next_ns`

func scanDelivery(sc interface{ Scan(...any) error }) (*WebhookDelivery, error) {
	var d WebhookDelivery
	var c, u, n int64
	if err := sc.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &d.Test, &d.Payload, &d.State, &d.Attempts,
		&d.LastStatus, &d.Error, &c, &u, &n); err != nil {
		return nil, err
	}
	d.Created, d.Updated, d.Next = time.Unix(0, c), time.Unix(0, u), time.Unix(0, n)
	return &d, nil
}

// AddDelivery inserts a pending delivery (due at d.Next) and trims the webhook's log to DeliveriesKept.
func (s *Store) AddDelivery(ctx context.Context, d *WebhookDelivery) error {
	now := time.Now()
	d.Created, d.Updated = now, now
	if d.State == "" {
		d.State = DeliveryPending
	}
	if d.Next.IsZero() {
		d.Next = now
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO webhook_deliveries(webhook_id, event_id, event_type, test, payload,
		state, attempts, last_status, error, created_ns, updated_ns, next_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.WebhookID, d.EventID, d.EventType, d.Test, d.Payload, d.State, d.Attempts, d.LastStatus, d.Error,
		d.Created.UnixNano(), d.Updated.UnixNano(), d.Next.UnixNano())
	if err != nil {
		return fmt.Errorf("save the webhook delivery: %w", err)
	}
	d.ID, _ = res.LastInsertId()
	_, err = s.db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = ? AND id <= (
		SELECT id FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
		d.WebhookID, d.WebhookID, DeliveriesKept)
	if err != nil {
		return fmt.Errorf("trim the webhook delivery log: %w", err)
	}
	return nil
}

// UpdateDelivery saves a delivery's state after an attempt.
func (s *Store) UpdateDelivery(ctx context.Context, d *WebhookDelivery) error {
	d.Updated = time.Now()
	_, err := s.db.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status = ?, error = ?,
		updated_ns = ?, next_ns = ? WHERE id = ?`, d.State, d.Attempts, d.LastStatus, d.Error, d.Updated.UnixNano(),
		d.Next.UnixNano(), d.ID)
	if err != nil {
		return fmt.Errorf("save webhook delivery %d: %w", d.ID, err)
	}
	return nil
}

// Delivery returns one delivery (ErrNotFound if it is gone).
func (s *Store) Delivery(ctx context.Context, id int64) (*WebhookDelivery, error) {
	d, err := scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook delivery %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read webhook delivery %d: %w", id, err)
	}
	return d, nil
}

// PendingDeliveries lists the pending deliveries, soonest first.
func (s *Store) PendingDeliveries(ctx context.Context) ([]*WebhookDelivery, error) {
	return s.deliveries(ctx, `WHERE state = ? ORDER BY next_ns, id`, DeliveryPending)
}

// Deliveries lists the delivery log, newest first: of one webhook (webhookID > 0) or of all, at most limit.
func (s *Store) Deliveries(ctx context.Context, webhookID int64, limit int) ([]*WebhookDelivery, error) {
	if limit <= 0 || limit > DeliveriesKept {
		limit = DeliveriesKept
	}
	if webhookID > 0 {
		return s.deliveries(ctx, `WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, webhookID, limit)
	}
	return s.deliveries(ctx, `ORDER BY id DESC LIMIT ?`, limit)
}

func (s *Store) deliveries(ctx context.Context, where string, args ...any) ([]*WebhookDelivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read the webhook delivery log: %w", err)
	}
	defer rows.Close()
	out := []*WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("read the webhook delivery log: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
