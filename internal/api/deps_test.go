package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/pkg/segments"
)

// fakePipelines has no camera running and counts changes.
type fakePipelines struct{ changed int }

func (f *fakePipelines) Camera(string) *supervisor.Camera { return nil }
func (f *fakePipelines) Changed()                         { f.changed++ }

// fakeRecordings reports a fixed recording state and fails footage lookups.
type fakeRecordings struct {
	status   recorder.Status
	triggers []string
}

func (f *fakeRecordings) Root() string                  { return "/nonexistent" }
func (f *fakeRecordings) Status(string) recorder.Status { return f.status }
func (f *fakeRecordings) Trigger(id string, _, _ time.Time, why string) {
	f.triggers = append(f.triggers, id+" "+why)
}
func (f *fakeRecordings) Footage(context.Context, string, time.Time, time.Time) (recorder.ExportSpan, error) {
	return recorder.ExportSpan{}, errors.New("the index is unreadable")
}
func (f *fakeRecordings) CameraPlaylist(context.Context, string, time.Time, time.Time, func(int64, string) string) ([]segments.PlaylistItem, error) {
	return nil, errors.New("the index is unreadable")
}

// TestAPIOnFakeParts: the API runs on any parts that satisfy its interfaces: the camera status carries
// what the recorder reports, record-now triggers the recorder, a camera change tells the pipelines, and
// a failing footage lookup is a 500 with the reason, not a crash.
func TestAPIOnFakeParts(t *testing.T) {
	e := newEnv(t)
	pipes := &fakePipelines{}
	recs := &fakeRecordings{status: recorder.Status{Recording: true, RecordingID: "7", SegmentsWritten: 3}}
	srv := httptest.NewServer(New(Options{Store: e.st, Sup: pipes, Auth: e.auth, Recorder: recs}))
	defer srv.Close()
	do := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		ee := *e
		ee.srv = srv
		code, out := ee.do(t, method, path, e.admin, body, nil)
		var m map[string]any
		_ = json.Unmarshal([]byte(out), &m)
		return code, m
	}
	if code, _ := do("PATCH", "/api/cameras/yard", `{"enabled":true}`); code != 200 || pipes.changed != 1 {
		t.Fatalf("PATCH: %d, pipelines told %d times", code, pipes.changed)
	}
	code, st := do("GET", "/api/cameras/yard/status", "")
	rec, _ := st["recording"].(map[string]any)
	if code != 200 || st["state"] != "starting" || rec["recording_id"] != "7" || rec["segments_written"] != 3.0 {
		t.Fatalf("status: %d %v", code, st)
	}
	if code, _ := do("POST", "/api/cameras/yard/record", `{"seconds":5}`); code != http.StatusAccepted || len(recs.triggers) != 1 || recs.triggers[0] != "yard manual" {
		t.Fatalf("record now: %d, triggers %v", code, recs.triggers)
	}
	code, out := do("GET", "/api/cameras/yard/recordings.m3u8", "")
	if code != 500 || out["error"] == nil {
		t.Fatalf("a failing footage lookup: %d %v", code, out)
	}
}
