package api

import (
	"context"
	"time"

	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/pkg/segments"
)

// The API depends on these small interfaces, not on the parts' concrete types: *store.Store,
// *supervisor.Supervisor and *recorder.Recorder satisfy them in nvrd, and a test may give a fake.

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
	// Camera is a running camera, or nil.
	Camera(id string) *supervisor.Camera
	// Changed says that the camera configuration changed.
	Changed()
}

// Recordings is the recorder: footage on disk, recording state, triggers.
type Recordings interface {
	// Root is the directory the index's recording directories are relative to.
	Root() string
	Status(cameraID string) recorder.Status
	Trigger(cameraID string, start, until time.Time, reason string)
	// Footage is a camera's recorded segments over [since, until) (recorder.ErrNoFootage if none).
	Footage(ctx context.Context, cameraID string, since, until time.Time) (recorder.ExportSpan, error)
	// CameraPlaylist is a camera's footage over [since, until) as playlist items named by uri.
	CameraPlaylist(ctx context.Context, cameraID string, since, until time.Time,
		uri func(recording int64, file string) string) ([]segments.PlaylistItem, error)
}
