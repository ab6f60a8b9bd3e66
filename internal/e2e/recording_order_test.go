package e2e

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to make nvrd's own index refuse appends

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/internal/testcam"
	"github.com/nvrproject/nvr/pkg/segments"
)

// segmentFiles lists the whole segment files (not temp files) under the recordings root, relative to it.
func segmentFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(fi.Name(), ".ts") && !segments.IsTemp(fi.Name()) {
			rel, _ := filepath.Rel(root, path)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// indexedFiles lists the segment files the index holds, relative to the recordings root.
func indexedFiles(t *testing.T, st *store.Store) []string {
	t.Helper()
	recs, err := st.AllRecordings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		for _, s := range r.Segments {
			out = append(out, filepath.Join(r.Dir, store.SegmentFile(s.Index)))
		}
	}
	sort.Strings(out)
	return out
}

// TestIndexAppendFailsAfterTheFileIsDurable: nvrd's index refuses every segment append (a trigger in its
// own SQLite file) while a camera records continuously. The segment files must still reach the disk
// (file first, index after), nothing may be indexed without its file, and on the next start the
// reconcile adopts every one of them.
func TestIndexAppendFailsAfterTheFileIsDurable(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	cam := startCamera(t, testcam.Options{})
	data := filepath.Join(t.TempDir(), "data")
	n := startNVRWith(t, nvrOptions{dataDir: data})
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, store.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER test_refuse_append BEFORE UPDATE OF nsegs ON recordings
		BEGIN SELECT RAISE(ABORT, 'test: the index refuses segment appends'); END`); err != nil {
		t.Fatal(err)
	}
	if code := n.do("POST", "/api/cameras", map[string]any{"name": "Gate", "url": cam.URL(), "record": map[string]any{"mode": "continuous"}}, nil); code != 201 {
		t.Fatalf("create camera: HTTP %d", code)
	}
	root := filepath.Join(data, "recordings")
	deadline := time.Now().Add(60 * time.Second)
	for len(segmentFiles(t, root)) < 3 {
		if idx := indexedFiles(t, n.st); len(idx) > 0 {
			t.Fatalf("segments indexed although the index refuses appends: %v", idx)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 3 segment files on disk within 60 s while the index refused them: %v", segmentFiles(t, root))
		}
		time.Sleep(300 * time.Millisecond)
	}
	n.stop()
	onDisk := segmentFiles(t, root)
	var indexed int
	if err := db.QueryRow(`SELECT COALESCE(SUM(nsegs), 0) FROM recordings`).Scan(&indexed); err != nil || indexed != 0 {
		t.Fatalf("after the first run %d segments are indexed (%v), want 0", indexed, err)
	}
	if _, err := db.Exec(`DROP TRIGGER test_refuse_append`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The next start: the reconcile (before anything records) indexes every durable file.
	n2 := startNVRWith(t, nvrOptions{dataDir: data})
	deadline = time.Now().Add(30 * time.Second)
	for {
		idx := indexedFiles(t, n2.st)
		have := map[string]bool{}
		for _, f := range idx {
			have[f] = true
		}
		missing := 0
		for _, f := range onDisk {
			if !have[f] {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart %d of %d segment files are not indexed: on disk %v, indexed %v", missing, len(onDisk), onDisk, idx)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Nothing indexed without its file (the second run may be recording more meanwhile: files first).
	for _, f := range indexedFiles(t, n2.st) {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("indexed without its file: %s", f)
		}
	}
}
