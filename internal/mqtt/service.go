package mqtt

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/nvrproject/nvr/internal/store"
)

// Store is what the service needs of the database.
type Store interface {
	Cameras(ctx context.Context) ([]*store.Camera, error)
	Camera(ctx context.Context, id string) (*store.Camera, error)
	UpdateCamera(ctx context.Context, c *store.Camera) error
	CamerasRevision(ctx context.Context) (int64, error)
	EventSnapshot(ctx context.Context, id int64) ([]byte, error)
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
}

// Events is the event engine's subscription (events.Engine.Subscribe).
type Events interface {
	Subscribe(buffer int) (<-chan store.Event, func())
}

// Options configure a Service.
type Options struct {
	Store  Store
	Events Events
	// State is a camera's pipeline state (supervisor status: starting, streaming, ...); "" = unknown.
	State func(cameraID string) string
	// Changed tells the supervisor that the camera configuration changed.
	Changed func()
	// Version is nvrd's version (Home Assistant's sw_version); BaseURL the web app's address, if known.
	Version, BaseURL string
	Log              *slog.Logger
	// Poll is how often camera states and the camera set are checked (0: one second).
	Poll time.Duration
}

// EventQueue is how many events wait for the broker; more are dropped (and counted) so the event
// engine never waits for MQTT.
const EventQueue = 256

// Service is the MQTT client. Run owns all its state; other goroutines only send to its channels.
type Service struct {
	opt   Options
	log   *slog.Logger
	apply chan Settings // new settings (PUT), newest wins
	cmds  chan command  // commands received from the broker
	ups   chan struct{} // a connection came up
	mu    sync.Mutex    // guards cur (read by the API)
	cur   Settings      // the settings in force
	conn  atomic.Bool   // connected now
	err   atomic.Pointer[string]
	pubs  atomic.Int64
	drops atomic.Int64
}

type command struct {
	topic   string
	payload string
}

// New builds the service; nothing connects until Run.
func New(opt Options) *Service {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.State == nil {
		opt.State = func(string) string { return "" }
	}
	if opt.Changed == nil {
		opt.Changed = func() {}
	}
	return &Service{opt: opt, log: opt.Log.With("part", "mqtt"), apply: make(chan Settings, 1),
		cmds: make(chan command, 64), ups: make(chan struct{}, 1)}
}

// load reads the stored settings (defaults if none).
func (s *Service) load(ctx context.Context) (Settings, error) {
	st := DefaultSettings()
	v, ok, err := s.opt.Store.Setting(ctx, SettingsKey)
	if err != nil || !ok {
		return st, err
	}
	if err := json.Unmarshal([]byte(v), &st); err != nil {
		return DefaultSettings(), fmt.Errorf("the stored MQTT settings are damaged (%v); using the defaults", err)
	}
	return st, nil
}

// MQTTSettings returns the settings as the API shows them (no password).
func (s *Service) MQTTSettings(ctx context.Context) (any, error) {
	st, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	return s.view(st), nil
}

func (s *Service) view(st Settings) View {
	v := View{Settings: st, PasswordSet: st.Password != "", Connected: s.conn.Load(),
		Published: s.pubs.Load(), Dropped: s.drops.Load()}
	v.Password = ""
	if e := s.err.Load(); e != nil {
		v.LastError = *e
	}
	return v
}

// SetMQTTSettings merges a PUT body into the stored settings, saves them and applies them live.
func (s *Service) SetMQTTSettings(ctx context.Context, body []byte) (any, error) {
	old, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	st, err := old.Merge(body)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(st)
	if err := s.opt.Store.SetSetting(ctx, SettingsKey, string(b)); err != nil {
		return nil, err
	}
	select { // newest wins
	case <-s.apply:
	default:
	}
	s.apply <- st
	return s.view(st), nil
}

// Stats are the service's counters.
type Stats struct {
	Connected bool
	Published int64 // messages handed to the broker
	Dropped   int64 // events or messages lost (queue full, broker away)
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{Connected: s.conn.Load(), Published: s.pubs.Load(), Dropped: s.drops.Load()}
}

// Run publishes until ctx ends, then says offline and disconnects.
func (s *Service) Run(ctx context.Context) error {
	evs, unsub := s.opt.Events.Subscribe(EventQueue)
	defer unsub()
	st, err := s.load(ctx)
	if err != nil {
		s.log.Warn("MQTT settings", "err", err)
	}
	r := newRun(s, st)
	r.connect(ctx)
	defer func() { r.disconnect() }() // the run in force at the end, not this first one
	tick := time.NewTicker(s.opt.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-evs:
			if !ok {
				evs = nil
				continue
			}
			r.event(ctx, ev)
		case st := <-s.apply:
			r.disconnect()
			r = newRun(s, st)
			r.connect(ctx)
		case <-s.ups:
			r.connected(ctx)
		case c := <-s.cmds:
			r.command(ctx, c)
		case <-tick.C:
			r.poll(ctx)
		}
	}
}

// connect starts the connection manager for the run's settings (if enabled).
func (r *run) connect(ctx context.Context) {
	s := r.s
	s.mu.Lock()
	s.cur = r.st
	s.mu.Unlock()
	s.conn.Store(false)
	if !r.st.Enabled {
		return
	}
	u, err := r.st.brokerURL()
	if err != nil {
		s.setErr(err)
		return
	}
	cctx, cancel := context.WithCancel(context.Background())
	cfg := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		KeepAlive:                     30,
		CleanStartOnInitialConnection: true,
		ConnectRetryDelay:             2 * time.Second,
		ConnectTimeout:                10 * time.Second,
		ConnectUsername:               r.st.User,
		WillMessage: &paho.WillMessage{Topic: r.topic("available"), Payload: []byte("offline"),
			QoS: 1, Retain: true},
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			s.conn.Store(true)
			s.err.Store(nil)
			s.log.Info("connected to the MQTT broker", "broker", u.Redacted())
			subs := []paho.SubscribeOptions{{Topic: r.topic("+/+/set"), QoS: 1}}
			if r.st.Discovery {
				subs = append(subs, paho.SubscribeOptions{Topic: r.st.discoveryPrefix() + "/status", QoS: 1})
			}
			sctx, scancel := context.WithTimeout(cctx, 10*time.Second)
			defer scancel()
			if _, err := cm.Subscribe(sctx, &paho.Subscribe{Subscriptions: subs}); err != nil {
				s.setErr(fmt.Errorf("subscribe to the command topics: %w", err))
			}
			select {
			case s.ups <- struct{}{}:
			default:
			}
		},
		OnConnectError: func(err error) {
			s.conn.Store(false)
			s.setErr(connectError(u.Host, err))
		},
		ClientConfig: paho.ClientConfig{
			ClientID: r.st.clientID(),
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(p paho.PublishReceived) (bool, error) {
				select {
				case s.cmds <- command{topic: p.Packet.Topic, payload: string(p.Packet.Payload)}:
				default:
					s.drops.Add(1)
				}
				return true, nil
			}},
			OnClientError: func(err error) { s.conn.Store(false); s.setErr(fmt.Errorf("MQTT connection: %w", err)) },
			OnServerDisconnect: func(d *paho.Disconnect) {
				s.conn.Store(false)
				s.setErr(fmt.Errorf("the MQTT broker disconnected (reason %d)", d.ReasonCode))
			},
		},
	}
	if r.st.Password != "" {
		cfg.ConnectPassword = []byte(r.st.Password)
	}
	if u.Scheme != "mqtt" && u.Scheme != "ws" {
		cfg.TlsCfg = &tls.Config{InsecureSkipVerify: r.st.TLSInsecure, MinVersion: tls.VersionTLS12} // #nosec G402 -- the user's choice
	}
	cm, err := autopaho.NewConnection(cctx, cfg)
	if err != nil {
		cancel()
		s.setErr(fmt.Errorf("start the MQTT client: %w", err))
		return
	}
	r.cm, r.cancel = cm, cancel
	_ = ctx
}

// disconnect says offline (when connected), disconnects and waits for the client's end.
func (r *run) disconnect() {
	if r.cm == nil {
		return
	}
	if r.s.conn.Load() {
		r.publish(r.topic("available"), []byte("offline"), true)
	}
	dctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = r.cm.Disconnect(dctx)
	cancel()
	r.cancel()
	<-r.cm.Done()
	r.cm = nil
	r.s.conn.Store(false)
}

func (s *Service) setErr(err error) {
	if err == nil {
		s.err.Store(nil)
		return
	}
	m := err.Error()
	if old := s.err.Load(); old == nil || *old != m {
		s.log.Warn("MQTT", "err", err)
	}
	s.err.Store(&m)
}

// publish sends one message (QoS 1), counting a failure as a drop; it waits at most 5 s.
func (r *run) publish(topic string, payload []byte, retain bool) {
	if r.cm == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := r.cm.Publish(ctx, &paho.Publish{Topic: topic, Payload: payload, QoS: 1, Retain: retain}); err != nil {
		r.s.drops.Add(1)
		if !errors.Is(err, autopaho.ConnectionDownError) {
			r.s.setErr(fmt.Errorf("publish %s: %w", topic, err))
		}
		return
	}
	r.s.pubs.Add(1)
}
