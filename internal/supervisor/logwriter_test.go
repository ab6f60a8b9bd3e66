package supervisor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// TestLogWriterRedactsAndLimits: worker stderr reaches nvrd's log without URL passwords, and a worker
// in a fault loop cannot flood it: at most logBurst lines a minute, then one line saying how many were
// suppressed.
func TestLogWriterRedactsAndLimits(t *testing.T) {
	var buf bytes.Buffer
	w := &logWriter{log: slog.New(slog.NewTextHandler(&buf, nil))}
	fmt.Fprintf(w, "0:00:01 WARN rtspsrc: could not connect to rtsp://admin:s3cret@10.0.0.9/stream\n")
	if strings.Contains(buf.String(), "s3cret") || !strings.Contains(buf.String(), "rtsp://admin:xxxxx@10.0.0.9/stream") {
		t.Fatalf("worker line logged as %q", buf.String())
	}
	for i := 0; i < 100; i++ {
		fmt.Fprintf(w, "line %d\n", i)
	}
	if n := strings.Count(buf.String(), "worker: "); n != logBurst {
		t.Fatalf("%d worker lines logged in a burst of 101, want %d", n, logBurst)
	}
	w.window = time.Now().Add(-2 * time.Minute) // the minute is over
	fmt.Fprintf(w, "after the minute\n")
	if !strings.Contains(buf.String(), "worker log lines suppressed") || !strings.Contains(buf.String(), "count=71") ||
		!strings.Contains(buf.String(), "after the minute") {
		t.Fatalf("after the minute the log says:\n%s", buf.String())
	}
}

func TestDialAddr(t *testing.T) {
	for in, want := range map[string]string{
		"rtsp://u:p@cam.local/s": "cam.local:554",
		"rtsp://10.0.0.9:8554/s": "10.0.0.9:8554",
		"rtsps://cam/s":          "cam:322",
		"rtsp://[fe80::1]:554/s": "[fe80::1]:554",
		"demo://":                "",
		"http://cam/s":           "",
		"rtsp:///no-host":        "",
	} {
		if got := dialAddr(in); got != want {
			t.Errorf("dialAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWaitBackoffEndsEarlyWhenCameraReturns: a camera whose port was closed when the backoff began is
// picked up within about a probe interval of coming back, not after the whole backoff.
func TestWaitBackoffEndsEarlyWhenCameraReturns(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	back := make(chan net.Listener, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		l, _ := net.Listen("tcp", addr)
		back <- l
	}()
	start := time.Now()
	ok := waitBackoff(context.Background(), 20*time.Second, "rtsp://"+addr+"/s")
	if l := <-back; l != nil {
		l.Close()
	} else {
		testskip.Skip(t, "another process took the test's loopback port meanwhile", "run the test again")
	}
	if !ok {
		t.Fatal("waitBackoff reported cancellation")
	}
	// Well before the 20 s backoff (it probes about once a second): how soon is not what this checks.
	if el := time.Since(start); el > 15*time.Second {
		t.Fatalf("waitBackoff took %s of its 20 s although the camera was back after 0.5 s", el)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if waitBackoff(ctx, time.Hour, "demo://") {
		t.Fatal("waitBackoff on a cancelled context did not report it")
	}
}

// TestLogWriterRelaysJSON: the worker's JSON lines are logged at their own level with their attributes
// (passwords removed, nested ones too), through nvrd's logger that carries camera and generation; a line
// split across writes is relayed whole, and a last line without a newline is relayed at flush.
func TestLogWriterRelaysJSON(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})).With("camera", "door", "gen", 7)
	w := newLogWriter(log)
	line := `{"time":"2026-01-01T00:00:00Z","level":"WARN","msg":"cannot send keyframe to rtsp://a:pw1@h/s","camera":"door","gen":7,"pid":42,"err":"broken pipe","url":"rtsp://a:pw2@h/s","n":{"u":"rtsp://a:pw3@h/s"}}` + "\n"
	fmt.Fprint(w, line[:40])
	fmt.Fprint(w, line[40:])
	fmt.Fprint(w, `{"level":"DEBUG","msg":"last words"}`)
	w.flush()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("relayed %d lines, want 2:\n%s", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"level": "WARN", "msg": "worker: cannot send keyframe to rtsp://a:xxxxx@h/s", "camera": "door",
		"gen": float64(7), "pid": float64(42), "err": "broken pipe", "url": "rtsp://a:xxxxx@h/s"} {
		if rec[k] != want {
			t.Errorf("relayed %s = %v, want %v (line %s)", k, rec[k], want, lines[0])
		}
	}
	if n, _ := rec["n"].(map[string]any); n["u"] != "rtsp://a:xxxxx@h/s" {
		t.Errorf("nested attribute relayed as %v", rec["n"])
	}
	if strings.Count(lines[0], `"camera"`) != 1 || strings.Contains(buf.String(), "pw") {
		t.Errorf("camera attached twice or a password relayed: %s", lines[0])
	}
	if !strings.Contains(lines[1], `"level":"DEBUG"`) || !strings.Contains(lines[1], "worker: last words") {
		t.Errorf("unterminated last line relayed as %s", lines[1])
	}
}
