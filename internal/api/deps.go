package api

import (
	"context"
	"time"

	"net/http"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/ipc"
	"github.com/nvrproject/nvr/pkg/segments"
)

// The API depends on these small interfaces, not on the parts' concrete types: *store.Store and
// *auth.Service satisfy theirs directly; internal/app adapts the supervisor, the recorder and the event
// engine to Pipelines, Recordings and Analysis (the API imports none of those packages); a test may
// give a fake of any of them.

// CameraStore is the camera configuration the API reads and changes.
type CameraStore interface {
	Cameras(ctx context.Context) ([]*store.Camera, error)
	Camera(ctx context.Context, id string) (*store.Camera, error)
	CreateCamera(ctx context.Context, c *store.Camera) error
	UpdateCamera(ctx context.Context, c *store.Camera) error
	DeleteCamera(ctx context.Context, id string) error
}

// RecordingIndex is the index of recordings the API reads.
type RecordingIndex interface {
	ListRecordings(ctx context.Context, f store.RecordingFilter) ([]*store.Recording, error)
	GetRecording(ctx context.Context, id int64) (*store.Recording, error)
	RecordingCamera(ctx context.Context, id int64) (string, error)
	RecordingAt(ctx context.Context, cameraID string, t time.Time) (int64, error)
}

// EventIndex is the events the API reads (it never writes them).
type EventIndex interface {
	ListEvents(ctx context.Context, f store.EventFilter) ([]store.Event, error)
	GetEvent(ctx context.Context, id int64) (*store.Event, error)
	EventSnapshot(ctx context.Context, id int64) ([]byte, error)
}

// Store is what the API needs of the database.
type Store interface {
	CameraStore
	RecordingIndex
	EventIndex
}

// Pipelines are the running cameras (the supervisor).
type Pipelines interface {
	// Camera is a running camera, or nil (an untyped nil, never a nil pointer in the interface).
	Camera(id string) Pipeline
	// Changed says that the camera configuration changed.
	Changed()
}

// Pipeline is one running camera: its status, its latest keyframe and its live stream.
type Pipeline interface {
	Status() PipelineStatus
	// Snapshot is the latest keyframe at full size (ipc.Keyframe.Picture): when the latest came at the
	// analysis size only, it asks the worker for the next one at full size and waits a few seconds
	// for it (or until ctx ends). nil before the first keyframe.
	Snapshot(ctx context.Context) *ipc.Keyframe
	// Live is the stream live viewers attach to.
	Live() LiveStream
	// ViewerLatency is the q-quantile of FIFO read → WebSocket written over the camera's viewers.
	ViewerLatency(q float64) time.Duration
}

// LiveStream is the stream a live viewer reads: Join attaches a reader with the viewer's bounded
// queue (it starts at PAT/PMT and a keyframe, and drops to the next keyframe when full); Leave
// detaches it and closes its channel.
type LiveStream interface {
	Join() *live.Viewer
	Leave(*live.Viewer)
}

// Recordings is the recorder: footage on disk, recording state, triggers.
type Recordings interface {
	// Root is the directory the index's recording directories are relative to.
	Root() string
	Status(cameraID string) RecordingStatus
	Trigger(cameraID string, start, until time.Time, reason string)
	// Footage is a camera's recorded segments over [since, until) (an error wrapping ErrNoFootage if none).
	Footage(ctx context.Context, cameraID string, since, until time.Time) (FootageSpan, error)
	// RecordingPlaylist is one recording's segments as playlist items (URIs "segments/<file>").
	RecordingPlaylist(rec *store.Recording) []segments.PlaylistItem
	// CameraPlaylist is a camera's footage over [since, until) as playlist items named by uri.
	CameraPlaylist(ctx context.Context, cameraID string, since, until time.Time,
		uri func(recording int64, file string) string) ([]segments.PlaylistItem, error)
}

// Analysis is the event engine: a camera's motion/detection state for its status and /metrics.
type Analysis interface {
	// Analysis is the camera's state; ok is false for a camera the engine does not run.
	Analysis(cameraID string) (st AnalysisStatus, ok bool)
}

// Auth is the login service (*auth.Service).
type Auth interface {
	NeedsSetup(ctx context.Context) bool
	Setup(ctx context.Context, token, name, password string) (*store.User, error)
	Login(ctx context.Context, addr, name, password string) (secret string, sess *store.Session, u *store.User, err error)
	Logout(r *http.Request)
	Authenticate(r *http.Request) (*auth.Principal, error)
	// OpenLive ties a live socket to the login that opened it, under a per-user-and-camera cap.
	OpenLive(p *auth.Principal, cameraID string, limit int) (*auth.Live, error)
	// OpenStream ties a push stream (/api/stream) to the login that opened it, like a live socket.
	OpenStream(p *auth.Principal) *auth.Live
	// Recheck ends at once the sockets and streams of a user whose access just changed.
	Recheck(ctx context.Context, userID int64)
	// CheckCurrentPassword checks a user's own password before they change it (rate-limited like logins).
	CheckCurrentPassword(addr string, u *store.User, password string) error
	// NewTokenFor makes an API token for a user; the secret is returned once.
	NewTokenFor(ctx context.Context, userID int64, name string) (int64, string, error)
	// NewWallTokenFor makes a wall token (live view of the cameras only); the secret is returned once.
	NewWallTokenFor(ctx context.Context, userID int64, name string, cameras []string) (int64, string, error)
	// AuthenticateWall authenticates a token given in a wall route's URL; only wall tokens pass.
	AuthenticateWall(r *http.Request, token string) (*auth.Principal, error)
	// Sessions lists the caller's own sessions; EndSession ends one of them (and its live sockets).
	Sessions(ctx context.Context, p *auth.Principal) ([]auth.SessionView, error)
	EndSession(ctx context.Context, p *auth.Principal, id int64) error
	// UserExists reports whether a user of that name exists (so a failed login never logs a typed password).
	UserExists(ctx context.Context, name string) bool
}
