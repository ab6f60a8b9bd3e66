package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// ReplaceWebhooks makes hooks the whole rule set in one transaction: rules with an ID are updated
// (ErrNotFound, and nothing changed, if one is gone), rules without one are inserted (their ID and
// Created set), and every other rule is deleted with its delivery log.
func (s *Store) ReplaceWebhooks(ctx context.Context, hooks []*Webhook) error {
	now := time.Now()
	var created []*Webhook
	err := s.tx(ctx, func(tx *sql.Tx) error {
		keep := []any{}
		for _, h := range hooks {
			if h.ID == 0 {
				continue
			}
			res, err := tx.ExecContext(ctx, `UPDATE webhooks SET name = ?, url = ?, secret = ?, camera = ?, kind = ?,
				label = ?, min_score = ?, types = ?, enabled = ? WHERE id = ?`, h.Name, h.URL, h.Secret, h.Camera, h.Kind,
				h.Label, h.MinScore, strings.Join(h.Types, ","), h.Enabled, h.ID)
			if err != nil {
				return fmt.Errorf("save webhook %d: %w", h.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("webhook %d: %w", h.ID, ErrNotFound)
			}
			keep = append(keep, h.ID)
		}
		del := `DELETE FROM webhooks`
		if len(keep) > 0 {
			del += ` WHERE id NOT IN (?` + strings.Repeat(", ?", len(keep)-1) + `)`
		}
		if _, err := tx.ExecContext(ctx, del, keep...); err != nil {
			return fmt.Errorf("delete the webhooks left out: %w", err)
		}
		for _, h := range hooks {
			if h.ID != 0 {
				continue
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO webhooks(name, url, secret, camera, kind, label, min_score, types,
				enabled, created_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.Name, h.URL, h.Secret, h.Camera, h.Kind, h.Label,
				h.MinScore, strings.Join(h.Types, ","), h.Enabled, now.UnixNano())
			if err != nil {
				return fmt.Errorf("save the webhook: %w", err)
			}
			id, _ := res.LastInsertId()
			h.ID = id
			created = append(created, h)
		}
		return nil
	})
	if err != nil {
		for _, h := range created {
			h.ID = 0
		}
		return err
	}
	for _, h := range created {
		h.Created = now
	}
	return nil
}
