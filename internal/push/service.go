// Package push sends browser notifications with Web Push (RFC 8030, payloads encrypted per RFC 8291,
// VAPID per RFC 8292) through SherClockHolmes/webpush-go. The VAPID key pair is made on the first run
// and kept in the store (setting:vapid); each user's browsers subscribe with filters (cameras, kinds,
// labels) and a quiet period, and only events the user may see (recordings permission) are sent.
package push

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/nvrproject/nvr/internal/eventmsg"
	"github.com/nvrproject/nvr/internal/store"
)

// Store is what the service needs of the database (*store.Store).
type Store interface {
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
	SavePushSubscription(ctx context.Context, p *store.PushSubscription) error
	PushSubscriptions(ctx context.Context, userID int64) ([]*store.PushSubscription, error)
	DeletePushSubscription(ctx context.Context, userID, id int64) error
	UserByID(ctx context.Context, id int64) (*store.User, error)
	Camera(ctx context.Context, id string) (*store.Camera, error)
}

// Events is the event engine's subscription (events.Engine.Subscribe), as MQTT uses it.
type Events interface {
	Subscribe(buffer int) (<-chan store.Event, func())
}

// Options configure a Service.
type Options struct {
	Store  Store
	Events Events
	Log    *slog.Logger
	// Client sends to the push services (default: a client with a 10 s timeout).
	Client *http.Client
	// Contact is the VAPID "sub": an https:// URL or an e-mail address of whoever runs this nvr, which
	// push services use to reach them (default webmaster@localhost).
	Contact string
	// Clock is the time (default time.Now); tests move it to check the quiet period.
	Clock func() time.Time
}

// SettingsKey is the store key of the VAPID key pair.
const SettingsKey = "vapid"

// DefaultQuiet is a subscription's quiet period when it names none: at most one per camera per 5 minutes.
const DefaultQuiet = 5 * time.Minute

// queue is how many notifications may wait for the sender; more are dropped (and counted).
const queue = 64

type vapidKeys struct {
	Private string `json:"private"`
	Public  string `json:"public"`
}

// Service is the push sender. Run's goroutine owns the quiet-period state.
type Service struct {
	opt    Options
	log    *slog.Logger
	keyMu  sync.Mutex
	keys   *vapidKeys
	sent   atomic.Int64
	quiet  atomic.Int64
	drops  atomic.Int64
	failed atomic.Int64
}

// New builds the service; nothing is sent until Run.
func New(opt Options) *Service {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opt.Contact == "" {
		opt.Contact = "webmaster@localhost"
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	return &Service{opt: opt, log: opt.Log.With("part", "push")}
}

// vapid returns the key pair, making and saving one the first time.
func (s *Service) vapid(ctx context.Context) (*vapidKeys, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.keys != nil {
		return s.keys, nil
	}
	v, ok, err := s.opt.Store.Setting(ctx, SettingsKey)
	if err != nil {
		return nil, err
	}
	var k vapidKeys
	if ok {
		if err := json.Unmarshal([]byte(v), &k); err != nil || k.Private == "" || k.Public == "" {
			return nil, fmt.Errorf("the stored VAPID keys are damaged; delete setting:vapid from the meta table to make new ones (every browser must then subscribe again)")
		}
	} else {
		k.Private, k.Public, err = webpush.GenerateVAPIDKeys()
		if err != nil {
			return nil, fmt.Errorf("make the VAPID keys: %w", err)
		}
		b, _ := json.Marshal(k)
		if err := s.opt.Store.SetSetting(ctx, SettingsKey, string(b)); err != nil {
			return nil, err
		}
		s.log.Info("made the VAPID keys for browser notifications")
	}
	s.keys = &k
	return s.keys, nil
}

// VAPIDPublicKey is the application server key browsers subscribe with (base64url, uncompressed P-256).
func (s *Service) VAPIDPublicKey(ctx context.Context) (string, error) {
	k, err := s.vapid(ctx)
	if err != nil {
		return "", err
	}
	return k.Public, nil
}

// Stats are the counters: sent, held back by a quiet period, dropped (queue full), refused by the push service.
func (s *Service) Stats() (sent, quiet, dropped, failed int64) {
	return s.sent.Load(), s.quiet.Load(), s.drops.Load(), s.failed.Load()
}

// job is one notification to one subscription.
type job struct {
	sub     *store.PushSubscription
	payload []byte
}

// Run sends notifications for new events until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if _, err := s.vapid(ctx); err != nil {
		s.log.Warn("browser notifications are off", "err", err)
	}
	evs, unsub := s.opt.Events.Subscribe(256)
	defer unsub()
	jobs := make(chan job, queue)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.sender(ctx, jobs)
	}()
	defer wg.Wait()
	tr := eventmsg.NewTracker()
	last := map[int64]map[string]time.Time{} // subscription → camera → last notification
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-evs:
			if !ok {
				evs = nil
				continue
			}
			for _, m := range tr.Next(e) {
				if m.Type == eventmsg.New {
					s.event(ctx, e, last, jobs)
				}
			}
		}
	}
}

// event queues the notification of a new event to every subscription that wants it and is not quiet.
func (s *Service) event(ctx context.Context, e store.Event, last map[int64]map[string]time.Time, jobs chan<- job) {
	subs, err := s.opt.Store.PushSubscriptions(ctx, 0)
	if err != nil || len(subs) == 0 {
		return
	}
	now := s.opt.Clock()
	users := map[int64]*store.User{}
	var payload []byte
	for _, sub := range subs {
		if !wants(sub, e) {
			continue
		}
		u, ok := users[sub.UserID]
		if !ok {
			u, _ = s.opt.Store.UserByID(ctx, sub.UserID)
			users[sub.UserID] = u
		}
		if !maySee(u, e.CameraID) {
			continue
		}
		quiet := time.Duration(sub.QuietS) * time.Second
		if t, ok := last[sub.ID][e.CameraID]; ok && now.Sub(t) < quiet {
			s.quiet.Add(1)
			continue
		}
		if payload == nil {
			payload = s.payload(ctx, e)
		}
		select {
		case jobs <- job{sub, payload}:
			if last[sub.ID] == nil {
				last[sub.ID] = map[string]time.Time{}
			}
			last[sub.ID][e.CameraID] = now
		default:
			s.drops.Add(1)
		}
	}
}

// wants applies a subscription's filters (an empty list allows all).
func wants(sub *store.PushSubscription, e store.Event) bool {
	in := func(list []string, v ...string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			for _, y := range v {
				if x == y {
					return true
				}
			}
		}
		return false
	}
	return in(sub.Cameras, e.CameraID) && in(sub.Kinds, e.Kind) && (len(sub.Labels) == 0 || in(sub.Labels, e.Labels...))
}

// maySee: notifications show events, so they need what GET /api/events needs.
func maySee(u *store.User, camera string) bool {
	if u == nil {
		return false
	}
	return u.Role == store.RoleAdmin || u.Cameras[camera].Recordings
}

// Notification is the payload the service worker (ui/static/sw.js) shows.
type Notification struct {
	Title  string `json:"title"`
	Body   string `json:"body"`
	URL    string `json:"url"`             // the event's page in the web app
	Image  string `json:"image,omitempty"` // the event's snapshot
	Tag    string `json:"tag"`
	Event  string `json:"event"`
	Camera string `json:"camera"`
}

func (s *Service) payload(ctx context.Context, e store.Event) []byte {
	name := e.CameraID
	if c, err := s.opt.Store.Camera(ctx, e.CameraID); err == nil && c.Name != "" {
		name = c.Name
	}
	j := eventmsg.FromStore(e)
	what := map[string]string{store.EventMotion: "Motion", store.EventQR: "QR code", store.EventManual: "Recording",
		"offline": "Camera offline", "tamper": "Camera tampered with"}[e.Kind]
	if e.Kind == store.EventObject && j.Label != "" {
		what = strings.ToUpper(j.Label[:1]) + j.Label[1:]
	}
	if what == "" {
		what = e.Kind
	}
	n := Notification{Title: what + " on " + name, Tag: "nvr-" + e.CameraID, Event: j.ID, Camera: e.CameraID,
		URL: "#/events?camera=" + e.CameraID + "&event=" + j.ID}
	n.Body = e.Start.Local().Format("15:04:05")
	if e.Score > 0 && e.Kind == store.EventObject {
		n.Body += fmt.Sprintf(" · %d %%", int(e.Score*100+0.5))
	}
	if e.Text != "" {
		n.Body += " · " + e.Text
	}
	if j.Snapshot != nil {
		n.Image = *j.Snapshot
	}
	b, _ := json.Marshal(n)
	return b
}

// sender sends the queued notifications one by one.
func (s *Service) sender(ctx context.Context, jobs <-chan job) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-jobs:
			s.send(ctx, j)
		}
	}
}

func (s *Service) send(ctx context.Context, j job) {
	k, err := s.vapid(ctx)
	if err != nil {
		s.failed.Add(1)
		return
	}
	sub := &webpush.Subscription{Endpoint: j.sub.Endpoint, Keys: webpush.Keys{P256dh: j.sub.P256dh, Auth: j.sub.Auth}}
	resp, err := webpush.SendNotificationWithContext(ctx, j.payload, sub, &webpush.Options{HTTPClient: s.opt.Client,
		Subscriber: s.opt.Contact, VAPIDPublicKey: k.Public, VAPIDPrivateKey: k.Private, TTL: 3600,
		Urgency: webpush.UrgencyHigh})
	if err != nil {
		s.failed.Add(1)
		if ctx.Err() == nil {
			s.log.Warn("send a browser notification", "subscription", j.sub.ID, "err", err)
		}
		return
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		// The browser unsubscribed or the subscription expired: it will never work again.
		s.failed.Add(1)
		s.log.Info("a browser's push subscription has expired; removed", "subscription", j.sub.ID)
		_ = s.opt.Store.DeletePushSubscription(ctx, 0, j.sub.ID)
	case resp.StatusCode >= 300:
		s.failed.Add(1)
		s.log.Warn("the push service refused a notification", "subscription", j.sub.ID, "status", resp.StatusCode)
	default:
		s.sent.Add(1)
	}
}
