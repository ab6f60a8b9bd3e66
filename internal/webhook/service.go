// Package webhook sends events to HTTP receivers: rules (camera, kind, label, minimum score, change
// type) pick events from the event engine's subscription, each match becomes a delivery in the
// store's log, and deliveries are POSTed as the integrations' JSON (internal/eventmsg), signed with
// HMAC-SHA256, and retried with backoff for RetryFor before they are given up. The log survives a
// restart: pending deliveries are resumed by the next Run.
//
// One receiver gets one POST at a time, in the order the deliveries were made, so an event's "new"
// arrives before its "end". A delivery waiting to be retried does not hold up the ones after it: a
// receiver that failed may see later messages first.
package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nvrproject/nvr/internal/eventmsg"
	"github.com/nvrproject/nvr/internal/store"
)

// Store is what the service needs of the database (*store.Store).
type Store interface {
	Webhooks(ctx context.Context) ([]*store.Webhook, error)
	Webhook(ctx context.Context, id int64) (*store.Webhook, error)
	CreateWebhook(ctx context.Context, h *store.Webhook) error
	UpdateWebhook(ctx context.Context, h *store.Webhook) error
	DeleteWebhook(ctx context.Context, id int64) error
	AddDelivery(ctx context.Context, d *store.WebhookDelivery) error
	UpdateDelivery(ctx context.Context, d *store.WebhookDelivery) error
	Delivery(ctx context.Context, id int64) (*store.WebhookDelivery, error)
	PendingDeliveries(ctx context.Context) ([]*store.WebhookDelivery, error)
	Deliveries(ctx context.Context, webhookID int64, limit int) ([]*store.WebhookDelivery, error)
}

// Events is the event engine's subscription (events.Engine.Subscribe), as MQTT uses it.
type Events interface {
	Subscribe(buffer int) (<-chan store.Event, func())
}

// Options configure a Service; zero durations take the defaults.
type Options struct {
	Store  Store
	Events Events
	Log    *slog.Logger
	// Client sends the POSTs (default: a client of its own that follows no redirects).
	Client *http.Client
	// Timeout bounds one POST (10 s).
	Timeout time.Duration
	// Backoff is the wait before the first retry (5 s); each retry doubles it up to MaxBackoff (2 min).
	Backoff, MaxBackoff time.Duration
	// RetryFor is how long a delivery is retried after it was made (10 min).
	RetryFor time.Duration
	// Senders is how many POSTs may be under way at once (4).
	Senders int
}

// EventQueue is how many events wait for the service; more are dropped (and counted).
const EventQueue = 256

// Service is the webhook sender. Run's goroutine owns the schedule; the API's methods change the
// store and wake it.
type Service struct {
	opt  Options
	log  *slog.Logger
	wake chan struct{}
	sent atomic.Int64
	fail atomic.Int64
}

// New builds the service; nothing is sent until Run.
func New(opt Options) *Service {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 5 * time.Second
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 2 * time.Minute
	}
	if opt.RetryFor <= 0 {
		opt.RetryFor = 10 * time.Minute
	}
	if opt.Senders <= 0 {
		opt.Senders = 4
	}
	if opt.Client == nil {
		opt.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &Service{opt: opt, log: opt.Log.With("part", "webhook"), wake: make(chan struct{}, 1)}
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// result is a finished attempt, handed back to Run.
type result struct {
	d *store.WebhookDelivery
	a attempt
}

// Run delivers until ctx ends; POSTs under way are cancelled and stay pending for the next Run.
func (s *Service) Run(ctx context.Context) error {
	evs, unsub := s.opt.Events.Subscribe(EventQueue)
	defer unsub()
	tr := eventmsg.NewTracker()
	results := make(chan result)
	inflight := map[int64]int64{} // delivery ID → its webhook's ID
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-evs:
			if !ok {
				evs = nil
				continue
			}
			s.event(ctx, tr, e)
		case <-s.wake:
		case <-timer.C:
		case r := <-results:
			delete(inflight, r.d.ID)
			s.finish(ctx, r)
		}
		next := s.dispatch(ctx, inflight, results, &wg)
		timer.Reset(next)
	}
}

// event makes a delivery for each rule that wants each message of the event's new state.
func (s *Service) event(ctx context.Context, tr *eventmsg.Tracker, e store.Event) {
	msgs := tr.Next(e)
	hooks, err := s.opt.Store.Webhooks(ctx)
	if err != nil {
		s.log.Warn("read the webhooks", "err", err)
		return
	}
	for _, m := range msgs {
		var body []byte
		for _, h := range hooks {
			if !matches(h, m) {
				continue
			}
			if body == nil {
				body, _ = json.Marshal(m)
			}
			d := &store.WebhookDelivery{WebhookID: h.ID, EventID: e.ID, EventType: m.Type, Payload: body}
			if err := s.opt.Store.AddDelivery(ctx, d); err != nil {
				s.log.Warn("save a webhook delivery", "webhook", h.ID, "err", err)
			}
		}
	}
}

// dispatch starts the due deliveries (up to Senders at once) and returns how long until the next is due.
func (s *Service) dispatch(ctx context.Context, inflight map[int64]int64, results chan<- result, wg *sync.WaitGroup) time.Duration {
	const idle = time.Minute
	pend, err := s.opt.Store.PendingDeliveries(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("read the pending webhook deliveries", "err", err)
		}
		return 5 * time.Second
	}
	next := idle
	now := time.Now()
	busy := make(map[int64]bool, len(inflight)) // webhooks with a POST under way: one at a time each
	for _, h := range inflight {
		busy[h] = true
	}
	for _, d := range pend {
		if _, ok := inflight[d.ID]; ok || busy[d.WebhookID] {
			continue
		}
		if wait := d.Next.Sub(now); wait > 0 {
			next = min(next, wait)
			continue
		}
		if len(inflight) >= s.opt.Senders {
			break // a result wakes Run
		}
		h, err := s.opt.Store.Webhook(ctx, d.WebhookID)
		if err != nil {
			continue // deleted meanwhile: its deliveries go with it
		}
		if !h.Enabled && !d.Test {
			// Turned off: what it still had to send is not sent (a test still is).
			d.State, d.Error = store.DeliveryFailed, "not sent: the webhook was turned off"
			if err := s.opt.Store.UpdateDelivery(ctx, d); err != nil && ctx.Err() == nil {
				s.log.Warn("save a webhook delivery", "delivery", d.ID, "err", err)
			}
			continue
		}
		inflight[d.ID] = d.WebhookID
		busy[d.WebhookID] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := s.post(ctx, h, d)
			select {
			case results <- result{d, a}:
			case <-ctx.Done():
			}
		}()
	}
	return next
}

// finish records an attempt: delivered, retried later, or given up.
func (s *Service) finish(ctx context.Context, r result) {
	d, a := r.d, r.a
	d.Attempts++
	d.LastStatus = a.status
	now := time.Now()
	switch {
	case a.err == nil:
		d.State, d.Error = store.DeliveryDelivered, ""
		s.sent.Add(1)
	case !a.retry:
		d.State, d.Error = store.DeliveryFailed, a.err.Error()
		s.fail.Add(1)
	default:
		wait := s.backoff(d.Attempts)
		if now.Add(wait).Sub(d.Created) > s.opt.RetryFor {
			d.State = store.DeliveryFailed
			d.Error = fmt.Sprintf("%s; gave up after %d attempts over %s", a.err, d.Attempts, s.opt.RetryFor)
			s.fail.Add(1)
		} else {
			d.State, d.Error, d.Next = store.DeliveryPending, a.err.Error(), now.Add(wait)
		}
	}
	if d.State == store.DeliveryFailed {
		s.log.Warn("webhook delivery failed", "webhook", d.WebhookID, "delivery", d.ID, "err", d.Error)
	}
	if err := s.opt.Store.UpdateDelivery(ctx, d); err != nil && ctx.Err() == nil {
		s.log.Warn("save a webhook delivery", "delivery", d.ID, "err", err)
	}
}

// backoff is the wait after the n-th failed attempt: Backoff, doubled each time, at most MaxBackoff.
func (s *Service) backoff(n int) time.Duration {
	w := s.opt.Backoff
	for i := 1; i < n && w < s.opt.MaxBackoff; i++ {
		w *= 2
	}
	return min(w, s.opt.MaxBackoff)
}

// Stats are the counters: deliveries delivered and given up.
func (s *Service) Stats() (delivered, failed int64) { return s.sent.Load(), s.fail.Load() }

func parseID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("webhook %q: %w", id, store.ErrNotFound)
	}
	return n, nil
}

// WebhookRules lists the rules with each one's newest delivery.
func (s *Service) WebhookRules(ctx context.Context) (any, error) {
	hooks, err := s.opt.Store.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RuleView, 0, len(hooks))
	for _, h := range hooks {
		var last *store.WebhookDelivery
		if ds, err := s.opt.Store.Deliveries(ctx, h.ID, 1); err == nil && len(ds) > 0 {
			last = ds[0]
		}
		out = append(out, ruleView(h, last))
	}
	return out, nil
}

// CreateWebhookRule adds a rule from a JSON body; a rule without a secret gets a random one, which
// the answer shows this once.
func (s *Service) CreateWebhookRule(ctx context.Context, body []byte) (any, error) {
	h := &store.Webhook{Enabled: true}
	if err := apply(h, body); err != nil {
		return nil, err
	}
	if h.Secret == "" {
		h.Secret = newSecret()
	}
	if err := s.opt.Store.CreateWebhook(ctx, h); err != nil {
		return nil, err
	}
	return CreatedView{RuleView: ruleView(h, nil), Secret: h.Secret}, nil
}

// UpdateWebhookRule changes the fields a JSON body gives.
func (s *Service) UpdateWebhookRule(ctx context.Context, id string, body []byte) (any, error) {
	n, err := parseID(id)
	if err != nil {
		return nil, err
	}
	h, err := s.opt.Store.Webhook(ctx, n)
	if err != nil {
		return nil, err
	}
	if err := apply(h, body); err != nil {
		return nil, err
	}
	if h.Secret == "" {
		return nil, badInput("a webhook's secret cannot be empty (leave it out to keep the one it has)")
	}
	if err := s.opt.Store.UpdateWebhook(ctx, h); err != nil {
		return nil, err
	}
	return ruleView(h, nil), nil
}

// DeleteWebhookRule removes a rule and its log.
func (s *Service) DeleteWebhookRule(ctx context.Context, id string) error {
	n, err := parseID(id)
	if err != nil {
		return err
	}
	return s.opt.Store.DeleteWebhook(ctx, n)
}

// WebhookDeliveries is the delivery log, newest first: of one rule (webhook != "") or of all.
func (s *Service) WebhookDeliveries(ctx context.Context, webhook string, limit int) (any, error) {
	var n int64
	if webhook != "" {
		var err error
		if n, err = parseID(webhook); err != nil {
			return nil, err
		}
		if _, err := s.opt.Store.Webhook(ctx, n); err != nil {
			return nil, err
		}
	}
	ds, err := s.opt.Store.Deliveries(ctx, n, limit)
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryView, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryView(d))
	}
	return out, nil
}

// TestWebhook queues a test message (type "test") to a rule, delivered and logged like any other.
func (s *Service) TestWebhook(ctx context.Context, id string) (any, error) {
	n, err := parseID(id)
	if err != nil {
		return nil, err
	}
	h, err := s.opt.Store.Webhook(ctx, n)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(testMessage(h, time.Now()))
	d := &store.WebhookDelivery{WebhookID: h.ID, EventType: "test", Test: true, Payload: body}
	if err := s.opt.Store.AddDelivery(ctx, d); err != nil {
		return nil, err
	}
	s.poke()
	return deliveryView(d), nil
}

// Delivery returns one delivery of the log (tests, the API).
func (s *Service) Delivery(ctx context.Context, id int64) (DeliveryView, error) {
	d, err := s.opt.Store.Delivery(ctx, id)
	if err != nil {
		return DeliveryView{}, err
	}
	return deliveryView(d), nil
}
