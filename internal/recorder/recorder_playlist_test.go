package recorder

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// TestPlaylists: a recording's playlist lists its segments relative to itself; a camera's timeline spans
// its recordings with the URIs it is given and marks a discontinuity where one recording ends and the
// next starts later, and only there.
func TestPlaylists(t *testing.T) {
	now := time.Now()
	r, st := newTestRecorder(t, Options{})
	a := addRecording(t, r, st, "gate", store.KindEvent, now.Add(-time.Hour), 3, false)
	b := addRecording(t, r, st, "gate", store.KindEvent, now.Add(-30*time.Minute), 2, false)
	addRecording(t, r, st, "other", store.KindEvent, now.Add(-40*time.Minute), 2, false)

	full, err := st.GetRecording(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	items := RecordingPlaylist(full)
	if len(items) != 3 || items[0].URI != "segments/000000.ts" || items[2].URI != "segments/000002.ts" ||
		!items[1].Start.Equal(a.Start.Add(2*time.Second)) || items[1].Duration != 2*time.Second {
		t.Fatalf("recording playlist: %+v", items)
	}
	for i, it := range items {
		if it.Discontinuity {
			t.Errorf("segment %d of one continuous recording is marked a discontinuity", i)
		}
	}

	items, err = r.CameraPlaylist(context.Background(), "gate", now.Add(-2*time.Hour), now, func(rec int64, file string) string {
		return fmt.Sprintf("%d/%s", rec, file)
	})
	if err != nil || len(items) != 5 {
		t.Fatalf("camera playlist: %v %+v", err, items)
	}
	for i, it := range items {
		if want := i == 3; it.Discontinuity != want {
			t.Errorf("timeline item %d (%s): discontinuity %v, want %v", i, it.URI, it.Discontinuity, want)
		}
	}
	if items[0].URI != fmt.Sprintf("%d/000000.ts", a.ID) || items[3].URI != fmt.Sprintf("%d/000000.ts", b.ID) {
		t.Fatalf("timeline URIs: %s, %s", items[0].URI, items[3].URI)
	}
	if items, err := r.CameraPlaylist(context.Background(), "gate", now.Add(-5*time.Hour), now.Add(-4*time.Hour),
		func(int64, string) string { return "" }); err != nil || len(items) != 0 {
		t.Fatalf("a span without footage: %v %+v", err, items)
	}
}
