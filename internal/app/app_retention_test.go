package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// TestEventsKeptWhileTheirRecordingIs runs nvrd's parts on a data dir whose camera keeps footage 60 days:
// a 40-day-old event of a kept 40-day-old recording, and a 40-day-old event without a recording of that
// camera, both stay; a 40-day-old event of a removed camera (default 30 days) goes.
func TestEventsKeptWhileTheirRecordingIs(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cam := &store.Camera{Name: "Long", URL: "demo://", CameraSettings: store.DefaultSettings()} // not enabled: no worker
	cam.Record.MaxAgeDays = 60
	if err := st.CreateCamera(ctx, cam); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-40 * 24 * time.Hour)
	rec := &store.Recording{CameraID: "long", Kind: store.KindEvent, Reason: "motion", Start: start, Open: true}
	if err := st.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Dir = filepath.Join("long", start.UTC().Format("2006-01-02"), strconv.FormatInt(rec.ID, 10))
	if err := os.MkdirAll(filepath.Join(data, "recordings", rec.Dir), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "recordings", rec.Dir, store.SegmentFile(0)), make([]byte, 1880), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := st.SetRecordingDir(ctx, rec.ID, rec.Dir); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendSegment(ctx, rec.ID, store.SegEntry{Duration: 2 * time.Second, Bytes: 1880, Keyframes: 1}, start.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := st.CloseRecording(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	event := func(camera string, at time.Time, recID string) int64 {
		e := &store.Event{CameraID: camera, Kind: store.EventMotion, Start: at, End: at.Add(time.Second), RecordingID: recID}
		if err := st.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		if recID != "" {
			if err := st.SetEventRecording(ctx, e.ID, recID); err != nil {
				t.Fatal(err)
			}
		}
		return e.ID
	}
	withRecording := event("long", start.Add(time.Second), strconv.FormatInt(rec.ID, 10))
	without := event("long", start.Add(time.Hour), "")
	removedCamera := event("gone", start, "")
	st.Close()
	// No camera is enabled, so no worker ever starts; New only checks that the file is there.
	if err := os.WriteFile(filepath.Join(dir, "no-worker"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	a, err := New(Options{DataDir: data, RAMDir: filepath.Join(dir, "ram"), WorkerPath: filepath.Join(dir, "no-worker"),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := a.Store.GetEvent(ctx, removedCamera); err != nil {
			break // retention has run
		}
		if time.Now().After(deadline) {
			t.Fatal("the 40-day-old event of a removed camera was not deleted within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for name, id := range map[string]int64{"of a kept recording": withRecording, "without a recording, camera keeps 60 days": without} {
		if _, err := a.Store.GetEvent(ctx, id); err != nil {
			t.Errorf("the 40-day-old event %s was deleted: %v", name, err)
		}
	}
	if recs, err := a.Store.AllRecordings(ctx); err != nil || len(recs) != 1 {
		t.Errorf("the 40-day-old recording of a camera that keeps 60 days: %v %v", recs, err)
	}
}
