package recorder

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/mpegts"
)

// ringFiles lists the files of a camera's pre-roll ring in the RAM dir.
func ringFiles(t *testing.T, r *Recorder, id string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(r.opt.RAMDir, id, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRemoveFreesRingAndGoroutine is bug 3: removing or disabling a camera frees its pre-roll ring (the
// files in the RAM dir), detaches its stream reader and ends its goroutine at once, not at shutdown.
func TestRemoveFreesRingAndGoroutine(t *testing.T) {
	segs := tsClip(t)
	for _, how := range []string{"removed", "disabled"} {
		t.Run(how, func(t *testing.T) {
			src := &chanSource{}
			r, st := newTestRecorder(t, Options{Stream: func(string) mpegts.Source { return src }})
			cam := &store.Camera{Name: "Yard", URL: "rtsp://127.0.0.1:1/", Enabled: true, CameraSettings: store.DefaultSettings()}
			cam.Record.Mode = store.RecordEvents
			if err := st.CreateCamera(context.Background(), cam); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { r.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()

			r.Configure(*cam)
			deadline := time.Now().Add(20 * time.Second)
			for src.readers() == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the recorder did not subscribe to the camera's stream")
				}
				time.Sleep(5 * time.Millisecond)
			}
			at := time.Now()
			for _, s := range segs {
				src.send(src.mark(s.Data, at))
				at = at.Add(s.Duration)
			}
			for len(ringFiles(t, r, cam.ID)) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("no pre-roll ring files appeared in the RAM dir")
				}
				time.Sleep(5 * time.Millisecond)
			}
			r.mu.Lock()
			c := r.cams[cam.ID]
			r.mu.Unlock()

			if how == "removed" {
				r.Remove(cam.ID)
			} else {
				cam.Enabled = false
				r.Configure(*cam)
			}
			// At once: when the call returns, not at shutdown.
			if files := ringFiles(t, r, cam.ID); len(files) != 0 {
				t.Fatalf("the %s camera's pre-roll ring is still in RAM: %v", how, files)
			}
			if _, err := os.Stat(filepath.Join(r.opt.RAMDir, cam.ID)); !os.IsNotExist(err) {
				t.Fatalf("the %s camera's ring directory is still there (%v)", how, err)
			}
			select {
			case <-c.done:
			default:
				t.Fatalf("the %s camera's recorder goroutine is still running", how)
			}
			if n := src.readers(); n != 0 {
				t.Fatalf("the %s camera still has %d stream readers", how, n)
			}
			r.mu.Lock()
			_, kept := r.cams[cam.ID]
			r.mu.Unlock()
			if kept {
				t.Fatalf("the recorder still knows the %s camera", how)
			}
			// A trigger for it now records nothing and creates nothing.
			r.Trigger(cam.ID, time.Now(), time.Now().Add(time.Second), "motion")
			r.mu.Lock()
			_, back := r.cams[cam.ID]
			r.mu.Unlock()
			if back {
				t.Fatal("a trigger brought the removed camera back")
			}
		})
	}
}

// TestRecordOffReadsNoStream: a camera with recording off has no reader on its stream (it keeps no
// footage and costs nothing); turning recording on attaches one, turning it off again detaches it.
func TestRecordOffReadsNoStream(t *testing.T) {
	src := &chanSource{}
	r, st := newTestRecorder(t, Options{Stream: func(string) mpegts.Source { return src }})
	cam := &store.Camera{Name: "Gate", URL: "rtsp://127.0.0.1:1/", Enabled: true, CameraSettings: store.DefaultSettings()}
	cam.Record.Mode = store.RecordOff
	if err := st.CreateCamera(context.Background(), cam); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitReaders := func(want int, why string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for src.readers() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d stream readers, want %d", why, src.readers(), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	r.Configure(*cam) // off: no reader (checked at the end, when a reader it had is gone again)
	cam.Record.Mode = store.RecordEvents
	r.Configure(*cam)
	waitReaders(1, "recording on (events)")
	cam.Record.Mode = store.RecordContinuous
	r.Configure(*cam)
	waitReaders(1, "events → continuous keeps its one reader")
	cam.Record.Mode = store.RecordOff
	r.Configure(*cam)
	waitReaders(0, "recording off again")
}
