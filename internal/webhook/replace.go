package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nvrproject/nvr/internal/store"
)

// Replacer is what ReplaceWebhookRules needs of the store on top of Store (*store.Store).
type Replacer interface {
	ReplaceWebhooks(ctx context.Context, hooks []*store.Webhook) error
}

// ReplacedView is a rule in the answer to a replace; Secret is there only for a new rule whose
// secret nvr made, this once.
type ReplacedView struct {
	RuleView
	Secret string `json:"secret,omitempty"`
}

// readOnly are the fields GET shows that a replace accepts back and ignores, so a rule set read with
// GET can be edited and sent back as it is.
var readOnly = []string{"secret_set", "created", "last"}

// ReplaceWebhookRules makes a JSON array of rules the whole rule set, atomically: a rule with the
// "id" of an existing rule replaces that rule (every field given anew; without a "secret", or with
// an empty one, it keeps its secret), a rule without an id is added (with a random secret unless it
// brings one, shown in the answer this once), and every rule left out is deleted with its log.
// Nothing changes unless every rule is valid.
func (s *Service) ReplaceWebhookRules(ctx context.Context, body []byte) (any, error) {
	rs, ok := s.opt.Store.(Replacer)
	if !ok {
		return nil, errors.New("this store cannot replace the webhook rules at once")
	}
	var items []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&items); err != nil || items == nil {
		return nil, badInput("the webhooks must be a JSON array of rules (url, camera, kind, label, min_score, types, enabled, name, secret, and id to keep an existing rule)")
	}
	existing, err := s.opt.Store.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*store.Webhook{}
	for _, h := range existing {
		byID[h.ID] = h
	}
	seen := map[int64]bool{}
	hooks := make([]*store.Webhook, 0, len(items))
	made := map[*store.Webhook]bool{}
	for i, it := range items {
		n := i + 1
		h := &store.Webhook{Enabled: true}
		if raw, ok := it["id"]; ok && string(raw) != "null" {
			var id string
			if err := json.Unmarshal(raw, &id); err != nil {
				return nil, badInput("rule %d: the id must be a string such as \"3\", as GET shows it", n)
			}
			num, err := parseID(id)
			old := byID[num]
			if err != nil || old == nil {
				return nil, badInput("rule %d names webhook %q, which does not exist (leave the id out to add a new rule)", n, id)
			}
			if seen[num] {
				return nil, badInput("rule %d names webhook %q a second time", n, id)
			}
			seen[num] = true
			h.ID, h.Secret, h.Created = old.ID, old.Secret, old.Created
		}
		delete(it, "id")
		for _, k := range readOnly {
			delete(it, k)
		}
		if raw, ok := it["secret"]; ok && (string(raw) == `""` || string(raw) == "null") {
			delete(it, "secret") // empty: keep the one it has (or make one)
		}
		rest, _ := json.Marshal(it)
		if err := apply(h, rest); err != nil {
			return nil, badInput("rule %d: %s", n, err.Error())
		}
		if h.Secret == "" {
			h.Secret = newSecret()
			made[h] = true
		}
		hooks = append(hooks, h)
	}
	if err := rs.ReplaceWebhooks(ctx, hooks); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, badInput("a webhook was deleted while the rules were being replaced; nothing was changed, read them again")
		}
		return nil, fmt.Errorf("replace the webhook rules: %w", err)
	}
	s.poke()
	out := make([]ReplacedView, 0, len(hooks))
	for _, h := range hooks {
		v := ReplacedView{RuleView: ruleView(h, nil)}
		if made[h] {
			v.Secret = h.Secret
		}
		out = append(out, v)
	}
	return out, nil
}
