package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/live"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/ipc"
	"github.com/nvrproject/nvr/pkg/segments"
)

// realRecordings is the real recorder as Recordings, as internal/app wires it (the API's own tests
// cannot import internal/app: it imports this package).
type realRecordings struct{ *recorder.Recorder }

func (r realRecordings) Status(id string) RecordingStatus {
	return RecordingStatus(r.Recorder.Status(id))
}
func (r realRecordings) Footage(ctx context.Context, id string, since, until time.Time) (FootageSpan, error) {
	sp, err := r.Recorder.Footage(ctx, id, since, until)
	if errors.Is(err, recorder.ErrNoFootage) {
		return FootageSpan{}, fmt.Errorf("%w: %w", ErrNoFootage, err)
	}
	return FootageSpan{Paths: sp.Paths, Start: sp.Start, End: sp.End, Footage: sp.Footage()}, err
}
func (r realRecordings) RecordingPlaylist(rec *store.Recording) []segments.PlaylistItem {
	return recorder.RecordingPlaylist(rec)
}

// fakePipelines runs the cameras in cams (none by default) and counts changes.
type fakePipelines struct {
	cams    map[string]Pipeline
	changed atomic.Int64
}

func (f *fakePipelines) Camera(id string) Pipeline {
	if p, ok := f.cams[id]; ok {
		return p
	}
	return nil
}
func (f *fakePipelines) Changed() { f.changed.Add(1) }

// fakePipeline is one running camera with a fixed status and snapshot, streaming from a real hub.
type fakePipeline struct {
	st   PipelineStatus
	snap *ipc.Keyframe
	hub  *live.Hub
}

func (f *fakePipeline) Status() PipelineStatus                 { return f.st }
func (f *fakePipeline) Snapshot(context.Context) *ipc.Keyframe { return f.snap }
func (f *fakePipeline) Live() LiveStream                       { return f.hub }
func (f *fakePipeline) ViewerLatency(q float64) time.Duration {
	return time.Duration(q * float64(time.Second))
}

// fakeAnalysis reports a motion score for the cameras in score.
type fakeAnalysis map[string]float64

func (f fakeAnalysis) Analysis(id string) (AnalysisStatus, bool) {
	s, ok := f[id]
	return AnalysisStatus{MotionScore: s, MotionEnabled: true}, ok
}

// fakeRecordings reports a fixed recording state and fails footage lookups.
type fakeRecordings struct {
	status   RecordingStatus
	mu       sync.Mutex
	triggers []string
}

func (f *fakeRecordings) Root() string                  { return "/nonexistent" }
func (f *fakeRecordings) Status(string) RecordingStatus { return f.status }
func (f *fakeRecordings) Trigger(id string, _, _ time.Time, why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.triggers = append(f.triggers, id+" "+why)
}
func (f *fakeRecordings) Footage(context.Context, string, time.Time, time.Time) (FootageSpan, error) {
	return FootageSpan{}, errors.New("the index is unreadable")
}
func (f *fakeRecordings) RecordingPlaylist(*store.Recording) []segments.PlaylistItem { return nil }
func (f *fakeRecordings) CameraPlaylist(context.Context, string, time.Time, time.Time, func(int64, string) string) ([]segments.PlaylistItem, error) {
	return nil, errors.New("the index is unreadable")
}

// TestAPIOnFakeParts: the API runs on any parts that satisfy its interfaces: the camera status carries
// what the pipeline, the recorder and the analysis report, the snapshot is the pipeline's keyframe,
// /metrics reads all three, record-now triggers the recorder, a camera change tells the pipelines, and
// a failing footage lookup is a 500 with the reason, not a crash.
func TestAPIOnFakeParts(t *testing.T) {
	e := newEnv(t)
	jpeg := []byte{0xff, 0xd8, 0xff, 0xd9}
	cam := &fakePipeline{st: PipelineStatus{State: StateStreaming, Keyframes: 42, WorkerPID: 1234, Viewers: 2},
		snap: &ipc.Keyframe{JPEG: jpeg, WallNS: time.Now().UnixNano()}, hub: live.NewHub()}
	pipes := &fakePipelines{cams: map[string]Pipeline{"yard": cam}}
	recs := &fakeRecordings{status: RecordingStatus{Recording: true, RecordingID: "7", SegmentsWritten: 3, BytesWritten: 1000}}
	srv := httptest.NewServer(New(Options{Store: e.st, Sup: pipes, Auth: e.auth, Recorder: recs,
		Analysis: fakeAnalysis{"yard": 0.25}}))
	defer srv.Close()
	ee := *e
	ee.srv = srv
	raw := func(method, path, token, body string) (int, string) {
		t.Helper()
		return ee.do(t, method, path, token, body, nil)
	}
	do := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		code, out := raw(method, path, e.admin, body)
		var m map[string]any
		_ = json.Unmarshal([]byte(out), &m)
		return code, m
	}
	if code, _ := do("PATCH", "/api/cameras/yard", `{"enabled":true}`); code != 200 || pipes.changed.Load() != 1 {
		t.Fatalf("PATCH: %d, pipelines told %d times", code, pipes.changed.Load())
	}
	code, st := do("GET", "/api/cameras/yard/status", "")
	rec, _ := st["recording"].(map[string]any)
	an, _ := st["analysis"].(map[string]any)
	if code != 200 || st["state"] != "streaming" || st["keyframes"] != 42.0 || st["worker_pid"] != 1234.0 ||
		rec["recording_id"] != "7" || rec["segments_written"] != 3.0 || an["motion_score"] != 0.25 {
		t.Fatalf("status: %d %v", code, st)
	}
	// A viewer does not see the process fields.
	_, vs := raw("GET", "/api/cameras/yard/status", e.with, "")
	var vm map[string]any
	_ = json.Unmarshal([]byte(vs), &vm)
	if _, pid := vm["worker_pid"]; vm["keyframes"] != 42.0 || pid {
		t.Fatalf("a viewer's status: %s", vs)
	}
	if code, body := raw("GET", "/api/cameras/yard/snapshot.jpg", e.admin, ""); code != 200 || body != string(jpeg) {
		t.Fatalf("snapshot: %d %q", code, body)
	}
	// house runs no pipeline: starting, and no picture yet.
	if code, st := do("GET", "/api/cameras/house/status", ""); code != 200 || st["state"] != "disabled" && st["state"] != "starting" {
		t.Fatalf("house status: %d %v", code, st)
	}
	if code, _ := raw("GET", "/api/cameras/house/snapshot.jpg", e.admin, ""); code != http.StatusServiceUnavailable {
		t.Fatalf("house snapshot: %d", code)
	}
	code, m := raw("GET", "/metrics", e.admin, "")
	for _, want := range []string{`nvr_camera_up{camera="yard"} 1`, `nvr_camera_keyframes_total{camera="yard"} 42`,
		`nvr_motion_score{camera="yard"} 0.25`, `nvr_recording_bytes_written_total{camera="yard"} 1000`,
		`nvr_live_added_latency_p99_seconds{camera="yard"} 0.99`, `nvr_live_viewers{camera="yard"} 2`} {
		if code != 200 || !strings.Contains(m, want) {
			t.Fatalf("metrics: %d, no %q in\n%s", code, want, m)
		}
	}
	if code, _ := do("POST", "/api/cameras/yard/record", `{"seconds":5}`); code != http.StatusAccepted || len(recs.triggers) != 1 || recs.triggers[0] != "yard manual" {
		t.Fatalf("record now: %d, triggers %v", code, recs.triggers)
	}
	code, out := do("GET", "/api/cameras/yard/recordings.m3u8", "")
	if code != 500 || out["error"] == nil {
		t.Fatalf("a failing footage lookup: %d %v", code, out)
	}
}
