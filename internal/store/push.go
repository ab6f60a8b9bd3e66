package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// PushSubscription is one browser's Web Push subscription (its push service endpoint and keys) and
// what its user wants to hear about: cameras, kinds and labels ("none listed" = all) and a quiet
// period per camera.
type PushSubscription struct {
	ID       int64
	UserID   int64
	Endpoint string
	P256dh   string // the browser's public key (base64url)
	Auth     string // the browser's auth secret (base64url)
	Name     string // which browser (its user agent, shortened), for the user's list
	Cameras  []string
	Kinds    []string
	Labels   []string
	QuietS   int // at most one notification per camera per QuietS seconds
	Created  time.Time
}

const pushCols = `id, user_id, endpoint, p256dh, auth, name, cameras, kinds, labels, quiet_s, created_ns`

func scanPush(sc interface{ Scan(...any) error }) (*PushSubscription, error) {
	var p PushSubscription
	var cams, kinds, labels string
	var created int64
	if err := sc.Scan(&p.ID, &p.UserID, &p.Endpoint, &p.P256dh, &p.Auth, &p.Name, &cams, &kinds, &labels, &p.QuietS,
		&created); err != nil {
		return nil, err
	}
	p.Cameras, p.Kinds, p.Labels = splitList(cams), splitList(kinds), splitList(labels)
	p.Created = time.Unix(0, created)
	return &p, nil
}

// SavePushSubscription inserts a subscription, or replaces the one with the same endpoint (a browser
// subscribing again, perhaps as another user), and sets its ID.
func (s *Store) SavePushSubscription(ctx context.Context, p *PushSubscription) error {
	p.Created = time.Now()
	err := s.db.QueryRowContext(ctx, `INSERT INTO push_subscriptions(user_id, endpoint, p256dh, auth, name, cameras,
		kinds, labels, quiet_s, created_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth,
		name = excluded.name, cameras = excluded.cameras, kinds = excluded.kinds, labels = excluded.labels,
		quiet_s = excluded.quiet_s RETURNING id`, p.UserID, p.Endpoint, p.P256dh, p.Auth, p.Name,
		strings.Join(p.Cameras, ","), strings.Join(p.Kinds, ","), strings.Join(p.Labels, ","), p.QuietS,
		p.Created.UnixNano()).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("save the push subscription: %w", err)
	}
	return nil
}

// PushSubscriptions lists the subscriptions of one user (userID > 0) or of everyone.
func (s *Store) PushSubscriptions(ctx context.Context, userID int64) ([]*PushSubscription, error) {
	q, args := `SELECT `+pushCols+` FROM push_subscriptions ORDER BY id`, []any{}
	if userID > 0 {
		q, args = `SELECT `+pushCols+` FROM push_subscriptions WHERE user_id = ? ORDER BY id`, []any{userID}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read the push subscriptions: %w", err)
	}
	defer rows.Close()
	out := []*PushSubscription{}
	for rows.Next() {
		p, err := scanPush(rows)
		if err != nil {
			return nil, fmt.Errorf("read the push subscriptions: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePushSubscription removes a subscription of the user (any user's when userID is 0);
// ErrNotFound when the user has no such subscription.
func (s *Store) DeletePushSubscription(ctx context.Context, userID, id int64) error {
	q, args := `DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?`, []any{id, userID}
	if userID == 0 {
		q, args = `DELETE FROM push_subscriptions WHERE id = ?`, []any{id}
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("delete push subscription %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("push subscription %d: %w", id, ErrNotFound)
	}
	return nil
}
