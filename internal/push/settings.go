package push

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Settings is what browser notifications are for one user (GET /api/settings/notifications): the
// VAPID public key a browser subscribes with and the user's own subscriptions with their filters.
type Settings struct {
	PublicKey     string             `json:"public_key"`
	Subscriptions []SubscriptionView `json:"subscriptions"`
}

// NotificationSettings is the user's Settings.
func (s *Service) NotificationSettings(ctx context.Context, userID int64) (any, error) {
	k, err := s.VAPIDPublicKey(ctx)
	if err != nil {
		return nil, err
	}
	subs, err := s.Subscriptions(ctx, userID)
	if err != nil {
		return nil, err
	}
	return Settings{PublicKey: k, Subscriptions: subs.([]SubscriptionView)}, nil
}

// filterItem is one subscription of a PUT: its id, its filters, and the read-only fields GET shows
// (accepted back and ignored).
type filterItem struct {
	ID       string    `json:"id"`
	Name     *string   `json:"name"`
	Cameras  *[]string `json:"cameras"`
	Kinds    *[]string `json:"kinds"`
	Labels   *[]string `json:"labels"`
	QuietS   *int      `json:"quiet_s"`
	Endpoint string    `json:"endpoint"`
	Created  string    `json:"created"`
}

// SetNotificationSettings replaces the filters of the user's subscriptions from a body
// {"subscriptions":[{"id","cameras","kinds","labels","quiet_s","name"}]}: each listed subscription
// gets exactly the filters given (a filter left out means any camera, kind or label, and the
// default quiet period; a name left out is kept). Subscriptions not listed are left as they are:
// only a browser can make one (POST /api/push/subscriptions), so a PUT does not delete them (DELETE
// /api/push/subscriptions/{id} does). Every item is checked before any is saved. The answer is the
// new Settings.
func (s *Service) SetNotificationSettings(ctx context.Context, userID int64, body []byte) (any, error) {
	var in struct {
		PublicKey     *string      `json:"public_key"`
		Subscriptions []filterItem `json:"subscriptions"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, badInput("the notification settings must be a JSON object {\"subscriptions\":[{\"id\",\"cameras\",\"kinds\",\"labels\",\"quiet_s\"}]} (%s)", strings.TrimPrefix(err.Error(), "json: "))
	}
	subs, err := s.opt.Store.PushSubscriptions(ctx, userID)
	if err != nil {
		return nil, err
	}
	own := map[string]int{}
	for i, p := range subs {
		own[strconv.FormatInt(p.ID, 10)] = i
	}
	seen := map[string]bool{}
	changed := []int{}
	for n, it := range in.Subscriptions {
		i, ok := own[it.ID]
		if !ok {
			return nil, badInput("subscription %d: you have no notification subscription %q (a browser subscribes from the settings page)", n+1, it.ID)
		}
		if seen[it.ID] {
			return nil, badInput("subscription %d: subscription %q is listed twice", n+1, it.ID)
		}
		seen[it.ID] = true
		p := subs[i]
		quiet := int(DefaultQuiet / time.Second)
		if it.QuietS != nil {
			quiet = *it.QuietS
		}
		none := []string{}
		f := subscribeInput{Name: it.Name, Cameras: &none, Kinds: &none, Labels: &none, QuietS: &quiet}
		if it.Cameras != nil {
			f.Cameras = it.Cameras
		}
		if it.Kinds != nil {
			f.Kinds = it.Kinds
		}
		if it.Labels != nil {
			f.Labels = it.Labels
		}
		if err := filters(p, f); err != nil {
			return nil, badInput("subscription %d: %s", n+1, err.Error())
		}
		changed = append(changed, i)
	}
	for _, i := range changed {
		if err := s.opt.Store.SavePushSubscription(ctx, subs[i]); err != nil {
			return nil, err
		}
	}
	return s.NotificationSettings(ctx, userID)
}
