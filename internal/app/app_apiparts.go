package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nvrproject/nvr/internal/api"
	"github.com/nvrproject/nvr/internal/events"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/pkg/ipc"
	"github.com/nvrproject/nvr/pkg/segments"
)

// The API declares the small interfaces it depends on (internal/api/deps.go) and imports none of the
// supervisor, recorder or event engine; these adapters are the wiring. The status values convert
// with plain type conversions, so a field added to one side only does not compile.

// apiPipelines is the supervisor as api.Pipelines.
type apiPipelines struct{ sup *supervisor.Supervisor }

func (p apiPipelines) Changed() { p.sup.Changed() }

func (p apiPipelines) Camera(id string) api.Pipeline {
	c := p.sup.Camera(id)
	if c == nil {
		return nil // an untyped nil: the API tests cam != nil
	}
	return apiPipeline{c}
}

// snapshotWait is how long a snapshot waits for a full-size keyframe: a little over the longest
// keyframe interval cameras are usually set to.
const snapshotWait = 4 * time.Second

// apiPipeline is one supervised camera as api.Pipeline.
type apiPipeline struct{ c *supervisor.Camera }

func (p apiPipeline) Status() api.PipelineStatus { return api.PipelineStatus(p.c.Status()) }
func (p apiPipeline) Snapshot(ctx context.Context) *ipc.Keyframe {
	return p.c.FullSnapshot(ctx, snapshotWait)
}
func (p apiPipeline) Live() api.LiveStream                  { return p.c.Hub() }
func (p apiPipeline) ViewerLatency(q float64) time.Duration { return p.c.Hub().Latency.Quantile(q) }

// apiRecordings is the recorder as api.Recordings.
type apiRecordings struct{ *recorder.Recorder }

func (r apiRecordings) Status(id string) api.RecordingStatus {
	return api.RecordingStatus(r.Recorder.Status(id))
}

func (r apiRecordings) Footage(ctx context.Context, id string, since, until time.Time) (api.FootageSpan, error) {
	sp, err := r.Recorder.Footage(ctx, id, since, until)
	if errors.Is(err, recorder.ErrNoFootage) {
		return api.FootageSpan{}, fmt.Errorf("%w: %w", api.ErrNoFootage, err)
	}
	if err != nil {
		return api.FootageSpan{}, err
	}
	return api.FootageSpan{Paths: sp.Paths, Start: sp.Start, End: sp.End, Footage: sp.Footage()}, nil
}

func (r apiRecordings) RecordingPlaylist(rec *store.Recording) []segments.PlaylistItem {
	return recorder.RecordingPlaylist(rec)
}

// apiAnalysis is the event engine as api.Analysis.
type apiAnalysis struct{ e *events.Engine }

func (a apiAnalysis) Analysis(id string) (api.AnalysisStatus, bool) {
	st, ok := a.e.Status(id)
	return api.AnalysisStatus(st), ok
}
