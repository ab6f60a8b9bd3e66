package push

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// InputError is a request the service refuses, in a sentence for the person who sent it.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

// BadInput marks the error as the caller's (the API answers 400).
func (e *InputError) BadInput() bool { return true }

func badInput(format string, args ...any) error { return &InputError{fmt.Sprintf(format, args...)} }

// subscribeInput is the body of a subscribe (the browser's PushSubscription.toJSON() plus filters) or
// of a filter change (the filters only).
type subscribeInput struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
	ExpirationTime *float64  `json:"expirationTime"`
	Name           *string   `json:"name"`
	Cameras        *[]string `json:"cameras"`
	Kinds          *[]string `json:"kinds"`
	Labels         *[]string `json:"labels"`
	QuietS         *int      `json:"quiet_s"`
}

// SubscriptionView is a subscription as its user sees it (the keys are not sent back).
type SubscriptionView struct {
	ID       string   `json:"id"`
	Endpoint string   `json:"endpoint"`
	Name     string   `json:"name"`
	Cameras  []string `json:"cameras"`
	Kinds    []string `json:"kinds"`
	Labels   []string `json:"labels"`
	QuietS   int      `json:"quiet_s"`
	Created  string   `json:"created"`
}

func view(p *store.PushSubscription) SubscriptionView {
	return SubscriptionView{ID: strconv.FormatInt(p.ID, 10), Endpoint: p.Endpoint, Name: p.Name, Cameras: p.Cameras,
		Kinds: p.Kinds, Labels: p.Labels, QuietS: p.QuietS, Created: p.Created.UTC().Format(store.TimeFormat)}
}

func decode(body []byte) (subscribeInput, error) {
	var in subscribeInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, badInput("the subscription must be a JSON object: the browser's subscription (endpoint, keys) and cameras, kinds, labels, quiet_s (%s)", strings.TrimPrefix(err.Error(), "json: "))
	}
	return in, nil
}

// filters applies the filter fields of a body to p and checks them.
func filters(p *store.PushSubscription, in subscribeInput) error {
	clean := func(l *[]string) []string {
		out := []string{}
		for _, v := range *l {
			if v = strings.TrimSpace(v); v != "" && !strings.Contains(v, ",") {
				out = append(out, v)
			}
		}
		return out
	}
	if in.Cameras != nil {
		p.Cameras = clean(in.Cameras)
	}
	if in.Kinds != nil {
		p.Kinds = clean(in.Kinds)
	}
	if in.Labels != nil {
		p.Labels = clean(in.Labels)
	}
	if in.Name != nil {
		p.Name = *in.Name
		if len(p.Name) > 100 {
			p.Name = p.Name[:100]
		}
	}
	if in.QuietS != nil {
		if *in.QuietS < 0 || *in.QuietS > 86400 {
			return badInput("the quiet period must be between 0 and 86400 seconds, not %d", *in.QuietS)
		}
		p.QuietS = *in.QuietS
	}
	return nil
}

func keyLen(s string) int {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return -1
	}
	return len(b)
}

// Subscribe saves a browser's subscription for the user (again: its filters replaced).
func (s *Service) Subscribe(ctx context.Context, userID int64, body []byte) (any, error) {
	in, err := decode(body)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(in.Endpoint)
	if in.Endpoint == "" || err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, badInput("the subscription's endpoint %q is not the URL of a push service", in.Endpoint)
	}
	if keyLen(in.Keys.P256dh) != 65 || keyLen(in.Keys.Auth) != 16 {
		return nil, badInput("the subscription's keys are not a browser's push keys (p256dh: 65 bytes, auth: 16 bytes, base64url)")
	}
	p := &store.PushSubscription{UserID: userID, Endpoint: in.Endpoint, P256dh: in.Keys.P256dh, Auth: in.Keys.Auth,
		QuietS: int(DefaultQuiet / time.Second), Cameras: []string{}, Kinds: []string{}, Labels: []string{}}
	if err := filters(p, in); err != nil {
		return nil, err
	}
	if err := s.opt.Store.SavePushSubscription(ctx, p); err != nil {
		return nil, err
	}
	return view(p), nil
}

// own finds one of the user's subscriptions.
func (s *Service) own(ctx context.Context, userID int64, id string) (*store.PushSubscription, error) {
	subs, err := s.opt.Store.PushSubscriptions(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, p := range subs {
		if strconv.FormatInt(p.ID, 10) == id {
			return p, nil
		}
	}
	return nil, fmt.Errorf("you have no notification subscription %q: %w", id, store.ErrNotFound)
}

// UpdateSubscription changes the filters of one of the user's subscriptions.
func (s *Service) UpdateSubscription(ctx context.Context, userID int64, id string, body []byte) (any, error) {
	p, err := s.own(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	in, err := decode(body)
	if err != nil {
		return nil, err
	}
	if in.Endpoint != "" || in.Keys.P256dh != "" {
		return nil, badInput("a subscription's endpoint and keys cannot be changed: subscribe again instead")
	}
	if err := filters(p, in); err != nil {
		return nil, err
	}
	if err := s.opt.Store.SavePushSubscription(ctx, p); err != nil {
		return nil, err
	}
	return view(p), nil
}

// Unsubscribe removes one of the user's subscriptions.
func (s *Service) Unsubscribe(ctx context.Context, userID int64, id string) error {
	p, err := s.own(ctx, userID, id)
	if err != nil {
		return err
	}
	return s.opt.Store.DeletePushSubscription(ctx, userID, p.ID)
}

// Subscriptions lists the user's own subscriptions.
func (s *Service) Subscriptions(ctx context.Context, userID int64) (any, error) {
	subs, err := s.opt.Store.PushSubscriptions(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]SubscriptionView, 0, len(subs))
	for _, p := range subs {
		out = append(out, view(p))
	}
	return out, nil
}
