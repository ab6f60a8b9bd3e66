package api

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// TestExportDurationIsWhatTheFileHolds: over a span with a gap between two recordings, X-Content-Duration
// is the footage the file holds (the export joins the recordings end to end), not the span's length.
func TestExportDurationIsWhatTheFileHolds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// yard's recording 1 holds one 2 s segment from a minute ago; a second one, 100 s later, holds two.
	first, err := e.st.GetRecording(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	rec := &store.Recording{CameraID: "yard", Kind: store.KindEvent, Reason: "test", Start: first.Start.Add(100 * time.Second), Dir: "yard/y"}
	if err := e.st.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		seg := store.SegEntry{Index: i, Offset: time.Duration(i) * 2 * time.Second, Duration: 2 * time.Second, Bytes: 188}
		if err := e.st.AppendSegment(ctx, rec.ID, seg, rec.Start.Add(seg.Offset+seg.Duration)); err != nil {
			t.Fatal(err)
		}
	}
	q := url.Values{"since": {first.Start.Add(-time.Second).UTC().Format(time.RFC3339Nano)},
		"until": {rec.Start.Add(10 * time.Second).UTC().Format(time.RFC3339Nano)}}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/cameras/yard/export.mp4?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Content-Duration"); resp.StatusCode != 200 || got != "6.000" {
		t.Fatalf("export: HTTP %d, X-Content-Duration %q, want 6.000 (three 2 s segments; the span is 104 s)", resp.StatusCode, got)
	}
}
