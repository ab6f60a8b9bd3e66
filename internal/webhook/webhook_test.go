package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/eventmsg"
	"github.com/nvrproject/nvr/internal/store"
)

// bus is the event engine's Subscribe for these tests: one subscriber, fed by the test.
type bus struct{ ch chan store.Event }

func (b *bus) Subscribe(int) (<-chan store.Event, func()) { return b.ch, func() {} }

// receiver is a local webhook receiver on loopback that answers with the codes given, in turn (the
// last one again after that), and keeps what it got.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	codes []int
	got   []*http.Request
	body  [][]byte
}

func newReceiver(t *testing.T, codes ...int) *receiver {
	r := &receiver{codes: codes}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, req)
		r.body = append(r.body, b)
		code := r.codes[min(len(r.got), len(r.codes))-1]
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// start runs a service on a real store until the test ends.
func start(t *testing.T, opt Options) (*Service, *store.Store, *bus) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b := &bus{ch: make(chan store.Event, 16)}
	opt.Store, opt.Events = st, b
	s := New(opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		st.Close()
	})
	return s, st, b
}

func create(t *testing.T, s *Service, body string) CreatedView {
	t.Helper()
	v, err := s.CreateWebhookRule(context.Background(), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return v.(CreatedView)
}

// waitDelivery waits (30 s at most) until the rule's newest delivery satisfies ok.
func waitDelivery(t *testing.T, s *Service, rule string, ok func(DeliveryView) bool) DeliveryView {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last DeliveryView
	for time.Now().Before(deadline) {
		v, err := s.WebhookDeliveries(context.Background(), rule, 1)
		if err != nil {
			t.Fatal(err)
		}
		if ds := v.([]DeliveryView); len(ds) > 0 {
			last = ds[0]
			if ok(last) {
				return last
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the delivery never got there; last: %+v", last)
	return last
}

func TestEventPostedSignedAndVerifies(t *testing.T) {
	rcv := newReceiver(t, 200)
	s, _, b := start(t, Options{})
	other := create(t, s, `{"url":"`+rcv.URL+`/other","camera":"house"}`)
	rule := create(t, s, `{"url":"`+rcv.URL+`/hook","camera":"yard","kind":"object","label":"person","min_score":0.6,"types":["new"]}`)
	if len(rule.Secret) < 32 || !rule.SecretSet {
		t.Fatalf("a rule without a secret got %q", rule.Secret)
	}
	now := time.Now()
	// Only the last of these matches the rule: wrong label, too low a score, another camera's rule only.
	b.ch <- store.Event{ID: 1, CameraID: "yard", Kind: store.EventObject, Labels: []string{"car"}, Score: 0.9, Start: now}
	b.ch <- store.Event{ID: 2, CameraID: "yard", Kind: store.EventObject, Labels: []string{"person"}, Score: 0.5, Start: now}
	b.ch <- store.Event{ID: 3, CameraID: "yard", Kind: store.EventObject, Labels: []string{"person"}, Score: 0.8, Start: now}
	d := waitDelivery(t, s, rule.ID, func(d DeliveryView) bool { return d.State == store.DeliveryDelivered })
	if d.Event != "3" || d.Attempts != 1 || d.LastStatus != 200 || d.Error != "" {
		t.Errorf("delivery %+v, want event 3 delivered at the first attempt", d)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.got) != 1 {
		t.Fatalf("the receiver got %d POSTs, want 1", len(rcv.got))
	}
	req, body := rcv.got[0], rcv.body[0]
	if req.URL.Path != "/hook" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("POST %s %q", req.URL.Path, req.Header.Get("Content-Type"))
	}
	sig, ts := req.Header.Get(HeaderSignature), req.Header.Get(HeaderTimestamp)
	if !Verify(rule.Secret, sig, ts, body) {
		t.Errorf("signature %q (timestamp %q) does not verify over the body", sig, ts)
	}
	if Verify(rule.Secret+"x", sig, ts, body) || Verify(rule.Secret, sig, ts, append(body, ' ')) {
		t.Error("the signature verifies with a wrong secret or a changed body")
	}
	var m eventmsg.Message
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != "new" || m.Before != nil || m.After.ID != "3" || m.After.Camera != "yard" || m.After.Label != "person" {
		t.Errorf("body %s", body)
	}
	if v, _ := s.WebhookDeliveries(context.Background(), other.ID, 0); len(v.([]DeliveryView)) != 0 {
		t.Errorf("the rule for another camera got deliveries: %+v", v)
	}
}

func TestReceiver500IsRetriedWithBackoff(t *testing.T) {
	rcv := newReceiver(t, 500, 503, 200)
	s, _, _ := start(t, Options{Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, RetryFor: time.Minute})
	rule := create(t, s, `{"url":"`+rcv.URL+`"}`)
	if _, err := s.TestWebhook(context.Background(), rule.ID); err != nil {
		t.Fatal(err)
	}
	d := waitDelivery(t, s, rule.ID, func(d DeliveryView) bool { return d.State != store.DeliveryPending })
	if d.State != store.DeliveryDelivered || d.Attempts != 3 || d.LastStatus != 200 || !d.Test {
		t.Errorf("delivery %+v, want delivered at the third attempt", d)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.got) != 3 {
		t.Fatalf("the receiver got %d POSTs, want 3", len(rcv.got))
	}
	for i, r := range rcv.got {
		if r.Header.Get(HeaderDelivery) != d.ID || string(rcv.body[i]) != string(rcv.body[0]) {
			t.Errorf("retry %d is another message: delivery %q", i, r.Header.Get(HeaderDelivery))
		}
	}
}

func TestReceiver500GivenUpAfterTheWindow(t *testing.T) {
	rcv := newReceiver(t, 500)
	s, _, _ := start(t, Options{Backoff: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, RetryFor: 400 * time.Millisecond})
	rule := create(t, s, `{"url":"`+rcv.URL+`"}`)
	if _, err := s.TestWebhook(context.Background(), rule.ID); err != nil {
		t.Fatal(err)
	}
	d := waitDelivery(t, s, rule.ID, func(d DeliveryView) bool { return d.State != store.DeliveryPending })
	if d.State != store.DeliveryFailed || d.Attempts < 3 || d.LastStatus != 500 {
		t.Errorf("delivery %+v, want failed after several attempts", d)
	}
	if !strings.Contains(d.Error, "the receiver answered HTTP 500 Internal Server Error; gave up after") {
		t.Errorf("error %q", d.Error)
	}
	if n := rcv.count(); n != d.Attempts {
		t.Errorf("the receiver got %d POSTs, the log says %d attempts", n, d.Attempts)
	}
}

func TestReceiver404IsNotRetried(t *testing.T) {
	rcv := newReceiver(t, 404)
	s, _, _ := start(t, Options{Backoff: 20 * time.Millisecond})
	rule := create(t, s, `{"url":"`+rcv.URL+`"}`)
	if _, err := s.TestWebhook(context.Background(), rule.ID); err != nil {
		t.Fatal(err)
	}
	d := waitDelivery(t, s, rule.ID, func(d DeliveryView) bool { return d.State != store.DeliveryPending })
	if d.State != store.DeliveryFailed || d.Attempts != 1 || !strings.Contains(d.Error, "refused the message with HTTP 404 Not Found") {
		t.Errorf("delivery %+v", d)
	}
}

func TestWrongURLIsAPlainSentence(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	s, _, _ := start(t, Options{Backoff: time.Hour})
	rule := create(t, s, `{"url":"http://`+addr+`/hook"}`)
	if _, err := s.TestWebhook(context.Background(), rule.ID); err != nil {
		t.Fatal(err)
	}
	d := waitDelivery(t, s, rule.ID, func(d DeliveryView) bool { return d.Attempts > 0 })
	want := "nothing is listening at " + addr + " (connection refused)"
	if d.Error != want || d.State != store.DeliveryPending || d.Next == nil || d.LastStatus != 0 {
		t.Errorf("delivery %+v, want pending with error %q", d, want)
	}
	rules, _ := s.WebhookRules(context.Background())
	if rs := rules.([]RuleView); len(rs) != 1 || rs[0].Last == nil || rs[0].Last.Error != want {
		t.Errorf("the rule list does not show the last error: %+v", rules)
	}
}

func TestRuleInputErrors(t *testing.T) {
	s := New(Options{})
	for body, want := range map[string]string{
		`{}`:                                      "needs a URL",
		`{"url":"ftp://x/y"}`:                     "must start with http:// or https://",
		`{"url":"http://"}`:                       "names no host",
		`{"url":"http://h/","kind":"dog"}`:        `the kind "dog" is not one of`,
		`{"url":"http://h/","min_score":2}`:       "between 0 and 1",
		`{"url":"http://h/","types":["started"]}`: `the change "started" is not one of`,
		`{"url":"http://h/","colour":"red"}`:      `unknown field "colour"`,
	} {
		_, err := s.CreateWebhookRule(context.Background(), []byte(body))
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an input error with %q", body, err, want)
		}
	}
}

// TestTurnedOffRuleStopsRetrying: a rule turned off sends no more retries of what it had pending.
func TestTurnedOffRuleStopsRetrying(t *testing.T) {
	rcv := newReceiver(t, 500)
	s, _, b := start(t, Options{Backoff: 2 * time.Second, MaxBackoff: 2 * time.Second, RetryFor: time.Minute})
	rule := create(t, s, `{"url":"`+rcv.URL+`"}`)
	b.ch <- store.Event{ID: 5, CameraID: "yard", Kind: store.EventMotion, Start: time.Now()}
	waitDelivery(t, s, rule.ID, func(d DeliveryView) bool { return d.Attempts == 1 })
	if _, err := s.UpdateWebhookRule(context.Background(), rule.ID, []byte(`{"enabled":false}`)); err != nil {
		t.Fatal(err)
	}
	d := waitDelivery(t, s, rule.ID, func(d DeliveryView) bool { return d.State != store.DeliveryPending })
	if d.State != store.DeliveryFailed || d.Error != "not sent: the webhook was turned off" || d.Attempts != 1 {
		t.Errorf("delivery %+v", d)
	}
	if n := rcv.count(); n != 1 {
		t.Errorf("the receiver got %d POSTs after the rule was turned off, want the 1 before", n)
	}
}

// TestOneReceiverGetsOnePOSTAtATimeInOrder: an event's new and end, made a moment apart, reach the
// receiver one after the other and in that order, even while the first POST is slow. Without the
// one-at-a-time rule the end went out beside the new and could arrive first (seen in CI).
func TestOneReceiverGetsOnePOSTAtATimeInOrder(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var types []string
	active, most := 0, 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var m eventmsg.Message
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		types = append(types, m.Type)
		active++
		most = max(most, active)
		first := len(types) == 1
		mu.Unlock()
		if first {
			<-release // the first POST is slow
		}
		mu.Lock()
		active--
		mu.Unlock()
	}))
	defer rcv.Close()
	s, _, b := start(t, Options{})
	rule := create(t, s, `{"url":"`+rcv.URL+`"}`)
	now := time.Now()
	b.ch <- store.Event{ID: 1, CameraID: "yard", Kind: store.EventManual, Start: now}
	b.ch <- store.Event{ID: 1, CameraID: "yard", Kind: store.EventManual, Start: now, End: now.Add(time.Second)}
	// Both deliveries are made while the first POST hangs; give a second POST time to go out (it must not).
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := s.WebhookDeliveries(context.Background(), rule.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.([]DeliveryView)) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the event's end never became a delivery")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for range 20 {
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		n := len(types)
		mu.Unlock()
		if n > 1 {
			break
		}
	}
	close(release)
	waitDelivery(t, s, rule.ID, func(d DeliveryView) bool { return d.State == store.DeliveryDelivered && d.Type == "end" })
	mu.Lock()
	defer mu.Unlock()
	if most != 1 || len(types) != 2 || types[0] != "new" || types[1] != "end" {
		t.Fatalf("the receiver got %v with up to %d POSTs at once; want [new end], one at a time", types, most)
	}
}
