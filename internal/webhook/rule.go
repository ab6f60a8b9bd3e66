package webhook

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nvrproject/nvr/internal/eventmsg"
	"github.com/nvrproject/nvr/internal/store"
)

// InputError is a request the service refuses, in a sentence for the person who sent it.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

// BadInput marks the error as the caller's (the API answers 400).
func (e *InputError) BadInput() bool { return true }

func badInput(format string, args ...any) error { return &InputError{fmt.Sprintf(format, args...)} }

// kinds are the event kinds a rule may name.
var kinds = []string{store.EventMotion, store.EventObject, store.EventQR, store.EventManual, "offline", "tamper"}

// types are the changes of an event a rule may ask for.
var types = []string{eventmsg.New, eventmsg.Update, eventmsg.End}

// DefaultTypes are the changes a rule sends when it names none: the start and the end of an event.
var DefaultTypes = []string{eventmsg.New, eventmsg.End}

// ruleInput is the JSON body of a create (every field) or an update (the fields given).
type ruleInput struct {
	Name     *string   `json:"name"`
	URL      *string   `json:"url"`
	Secret   *string   `json:"secret"`
	Camera   *string   `json:"camera"`
	Kind     *string   `json:"kind"`
	Label    *string   `json:"label"`
	MinScore *float64  `json:"min_score"`
	Types    *[]string `json:"types"`
	Enabled  *bool     `json:"enabled"`
}

// apply merges a JSON body into h and checks the result.
func apply(h *store.Webhook, body []byte) error {
	var in ruleInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return badInput("the webhook must be a JSON object with url, camera, kind, label, min_score, types, enabled, name or secret (%s)", strings.TrimPrefix(err.Error(), "json: "))
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&h.Name, in.Name)
	set(&h.URL, in.URL)
	set(&h.Camera, in.Camera)
	set(&h.Kind, in.Kind)
	set(&h.Label, in.Label)
	if in.Secret != nil {
		h.Secret = *in.Secret
	}
	if in.MinScore != nil {
		h.MinScore = *in.MinScore
	}
	if in.Types != nil {
		h.Types = *in.Types
	}
	if in.Enabled != nil {
		h.Enabled = *in.Enabled
	}
	return check(h)
}

// check validates a rule.
func check(h *store.Webhook) error {
	if len(h.Name) > 100 {
		return badInput("the webhook's name is longer than 100 characters")
	}
	if h.URL == "" {
		return badInput("the webhook needs a URL to send the events to (http:// or https://)")
	}
	u, err := url.Parse(h.URL)
	if err != nil {
		return badInput("the webhook URL %q is not a valid URL", h.URL)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return badInput("the webhook URL must start with http:// or https://, not %q", h.URL)
	}
	if u.Host == "" {
		return badInput("the webhook URL %q names no host", h.URL)
	}
	if h.Kind != "" && !slices.Contains(kinds, h.Kind) {
		return badInput("the kind %q is not one of %s (or empty for any)", h.Kind, strings.Join(kinds, ", "))
	}
	if h.MinScore < 0 || h.MinScore > 1 {
		return badInput("the minimum score must be between 0 and 1, not %g", h.MinScore)
	}
	if len(h.Types) == 0 {
		h.Types = slices.Clone(DefaultTypes)
	}
	for _, t := range h.Types {
		if !slices.Contains(types, t) {
			return badInput("the change %q is not one of new, update, end", t)
		}
	}
	if len(h.Secret) > 200 {
		return badInput("the webhook secret is longer than 200 characters")
	}
	return nil
}

// newSecret is a fresh random signing secret.
func newSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// matches reports whether a rule wants a message.
func matches(h *store.Webhook, m eventmsg.Message) bool {
	e := m.After
	switch {
	case !h.Enabled:
		return false
	case !slices.Contains(h.Types, m.Type):
		return false
	case h.Camera != "" && h.Camera != e.Camera:
		return false
	case h.Kind != "" && h.Kind != e.Kind:
		return false
	case h.Label != "" && !slices.Contains(e.Labels, h.Label):
		return false
	}
	return e.Score >= h.MinScore
}

// RuleView is a rule as the API shows it: the secret is never sent back.
type RuleView struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	URL       string        `json:"url"`
	Camera    string        `json:"camera"`
	Kind      string        `json:"kind"`
	Label     string        `json:"label"`
	MinScore  float64       `json:"min_score"`
	Types     []string      `json:"types"`
	Enabled   bool          `json:"enabled"`
	SecretSet bool          `json:"secret_set"`
	Created   string        `json:"created"`
	Last      *DeliveryView `json:"last"` // the newest delivery, if any
}

// CreatedView is the answer to a create: the rule and, this once, its secret.
type CreatedView struct {
	RuleView
	Secret string `json:"secret"`
}

func ruleView(h *store.Webhook, last *store.WebhookDelivery) RuleView {
	v := RuleView{ID: fmt.Sprint(h.ID), Name: h.Name, URL: h.URL, Camera: h.Camera, Kind: h.Kind, Label: h.Label,
		MinScore: h.MinScore, Types: h.Types, Enabled: h.Enabled, SecretSet: h.Secret != "",
		Created: h.Created.UTC().Format(store.TimeFormat)}
	if last != nil {
		d := deliveryView(last)
		v.Last = &d
	}
	return v
}

// DeliveryView is one entry of the delivery log.
type DeliveryView struct {
	ID         string  `json:"id"`
	Webhook    string  `json:"webhook"`
	Event      string  `json:"event,omitempty"`
	Type       string  `json:"type"` // new, update, end or test
	Test       bool    `json:"test"`
	State      string  `json:"state"` // pending, delivered, failed
	Attempts   int     `json:"attempts"`
	LastStatus int     `json:"last_status"` // the receiver's last HTTP status; 0: it never answered
	Error      string  `json:"error"`       // the last failure in words; "" once delivered
	Created    string  `json:"created"`
	Updated    string  `json:"updated"`
	Next       *string `json:"next"` // the next attempt while pending
}

func deliveryView(d *store.WebhookDelivery) DeliveryView {
	v := DeliveryView{ID: fmt.Sprint(d.ID), Webhook: fmt.Sprint(d.WebhookID), Type: d.EventType, Test: d.Test,
		State: d.State, Attempts: d.Attempts, LastStatus: d.LastStatus, Error: d.Error,
		Created: d.Created.UTC().Format(store.TimeFormat), Updated: d.Updated.UTC().Format(store.TimeFormat)}
	if d.EventID > 0 {
		v.Event = fmt.Sprint(d.EventID)
	}
	if d.State == store.DeliveryPending {
		n := d.Next.UTC().Format(store.TimeFormat)
		v.Next = &n
	}
	return v
}

// testMessage is the body of "send test": an event of the rule's camera, kind and label, marked test.
func testMessage(h *store.Webhook, now time.Time) eventmsg.Message {
	kind := h.Kind
	if kind == "" {
		kind = store.EventMotion
	}
	e := store.Event{CameraID: h.Camera, Kind: kind, Start: now, End: now, Score: max(h.MinScore, 0.5)}
	if e.CameraID == "" {
		e.CameraID = "test"
	}
	if h.Label != "" {
		e.Labels = []string{h.Label}
	}
	j := eventmsg.FromStore(e)
	j.ID = "test"
	return eventmsg.Message{Type: "test", After: j}
}
