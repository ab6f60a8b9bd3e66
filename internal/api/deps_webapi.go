package api

import (
	"context"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// UserAdmin is the accounts, tokens and camera groups the API manages (*store.Store in nvrd).
type UserAdmin interface {
	Users(ctx context.Context) ([]*store.User, error)
	UserByName(ctx context.Context, name string) (*store.User, error)
	CreateUser(ctx context.Context, u *store.User) error
	UpdateUser(ctx context.Context, name string, ch store.UserChange) (*store.User, error)
	RemoveUser(ctx context.Context, name string) (int64, error)
	Tokens(ctx context.Context, userID int64) ([]store.Token, error)
	TokenByID(ctx context.Context, id int64) (*store.Token, error)
	RevokeTokenByID(ctx context.Context, id int64) error
	Groups(ctx context.Context) ([]store.Group, error)
	SetGroups(ctx context.Context, gs []store.Group) error
}

// Prober runs a one-off worker on a URL and hands its TS packets to consume (*supervisor.Supervisor).
type Prober interface {
	Probe(ctx context.Context, rawURL string, d time.Duration, consume func(data []byte, at time.Time) bool) error
}

// webAPIDefaults fills the web app's dependencies from the store and the supervisor when they provide
// them (nvrd's concrete types do).
func webAPIDefaults(opt *Options) {
	if u, ok := any(opt.Store).(UserAdmin); ok && opt.Users == nil && opt.Store != nil {
		opt.Users = u
	}
	if p, ok := any(opt.Sup).(Prober); ok && opt.Prober == nil && opt.Sup != nil {
		opt.Prober = p
	}
}
