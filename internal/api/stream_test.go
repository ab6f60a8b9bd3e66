package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/events"
	"github.com/nvrproject/nvr/internal/store"
)

// sseMsg is one Server-Sent Event as the browser's EventSource would see it ("" name: a comment).
type sseMsg struct {
	name, data string
}

// openStream opens GET /api/stream with a bearer token; messages arrive on the channel, which closes
// when the stream ends.
func openStream(t *testing.T, e *testEnv, token string) (<-chan sseMsg, context.CancelFunc) {
	t.Helper()
	return openStreamAt(t, e, "/api/stream", token)
}

// openStreamAt is openStream of path (which may carry ?token=); token "" sends no Authorization header.
func openStreamAt(t *testing.T, e *testEnv, path, token string) (<-chan sseMsg, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("GET /api/stream: HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseMsg, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var m sseMsg
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				out <- m
				m = sseMsg{}
			case strings.HasPrefix(line, ":"):
				m.data = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "event: "):
				m.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				m.data = line[len("data: "):]
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return out, cancel
}

// waitFor reads messages until want returns true, failing on any message bad returns true for.
func waitFor(t *testing.T, ch <-chan sseMsg, what string, want, bad func(sseMsg) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatalf("the stream ended before %s", what)
			}
			if bad != nil && bad(m) {
				t.Fatalf("while waiting for %s: %s %s", what, m.name, m.data)
			}
			if want(m) {
				return
			}
		case <-deadline:
			t.Fatalf("no %s within 20 s", what)
		}
	}
}

// streamEnv is the test env with a running event engine on both cameras, which are enabled in the
// database (the supervisor does not run, so their state is "starting"), and a motion source.
func streamEnv(t *testing.T) (*testEnv, *events.Engine) {
	t.Helper()
	var eng *events.Engine
	e := newEnvWith(t, func(o *Options) {
		eng = events.New(events.Options{Store: o.Store.(*store.Store), Recorder: o.Recorder.(realRecordings).Recorder})
		o.Events = eng.Subscribe
		o.Motion = func(id string) (float64, time.Time, bool) {
			return 0.25, time.Now(), true // a new keyframe at every look: the stream's throttle decides
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); _ = eng.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-ran })
	for _, id := range []string{"yard", "house"} {
		c, err := e.st.Camera(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		c.Enabled = true
		if err := e.st.UpdateCamera(ctx, c); err != nil {
			t.Fatal(err)
		}
		eng.Configure(*c)
	}
	return e, eng
}

func mentions(cam string) func(sseMsg) bool {
	return func(m sseMsg) bool { return strings.Contains(m.data, `"camera":"`+cam+`"`) }
}

func TestStreamCarriesOnlyTheCallersCameras(t *testing.T) {
	e, eng := streamEnv(t)
	ctx := context.Background()
	viewer, _ := openStream(t, e, e.with)
	admin, _ := openStream(t, e, e.admin)

	isCamera := func(cam string) func(sseMsg) bool {
		return func(m sseMsg) bool {
			var c struct {
				Camera string
				Status struct{ State string }
			}
			return m.name == "camera" && json.Unmarshal([]byte(m.data), &c) == nil && c.Camera == cam && c.Status.State == "starting"
		}
	}
	waitFor(t, viewer, "yard's status", isCamera("yard"), mentions("house"))
	waitFor(t, viewer, "yard's motion", func(m sseMsg) bool { return m.name == "motion" && mentions("yard")(m) }, mentions("house"))

	// house's event first, then yard's: the viewer gets yard's and never house's.
	if _, err := eng.Manual(ctx, "house", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Manual(ctx, "yard", 5); err != nil {
		t.Fatal(err)
	}
	isEvent := func(cam string) func(sseMsg) bool {
		return func(m sseMsg) bool {
			var ev struct {
				Type  string
				Event store.Event
			}
			return m.name == "event" && json.Unmarshal([]byte(m.data), &ev) == nil && ev.Type == "new" &&
				ev.Event.CameraID == cam && ev.Event.Kind == store.EventManual && ev.Event.ID > 0
		}
	}
	waitFor(t, viewer, "yard's event", isEvent("yard"), mentions("house"))
	// The admin sees both cameras.
	waitFor(t, admin, "house's event", isEvent("house"), nil)
	waitFor(t, admin, "house's status", func(m sseMsg) bool { return m.name == "camera" || m.name == "motion" && mentions("house")(m) }, nil)

	// A deleted camera is announced as removed.
	if code, _ := e.do(t, "DELETE", "/api/cameras/house", e.admin, "", nil); code != 204 {
		t.Fatalf("delete house: HTTP %d", code)
	}
	waitFor(t, admin, "house's removal", func(m sseMsg) bool {
		return m.name == "camera" && m.data == `{"camera":"house","status":null,"removed":true}`
	}, nil)

	// The viewer who never had a camera gets nothing about any camera.
	stranger, stop := openStream(t, e, e.without)
	got := 0
	deadline := time.After(3 * time.Second)
collect:
	for {
		select {
		case m := <-stranger:
			if m.name != "" {
				t.Fatalf("a viewer without cameras was sent %s %s", m.name, m.data)
			}
			got++
		case <-deadline:
			break collect
		}
	}
	stop()
	if got == 0 {
		t.Fatal("the stream of a viewer without cameras did not even open with a comment")
	}
}

func TestStreamThrottlesMotion(t *testing.T) {
	e, _ := streamEnv(t)
	viewer, _ := openStream(t, e, e.with)
	// The motion source has a new score at every look; the stream sends at most one per 500 ms.
	var last time.Time
	for n := 0; n < 6; {
		m, ok := <-viewer
		if !ok {
			t.Fatal("the stream ended")
		}
		if m.name != "motion" {
			continue
		}
		var mo struct {
			Camera string
			Score  float64
			Time   time.Time
		}
		if err := json.Unmarshal([]byte(m.data), &mo); err != nil || mo.Camera != "yard" || mo.Score != 0.25 {
			t.Fatalf("motion message %s: %v", m.data, err)
		}
		if n > 0 && mo.Time.Sub(last) < streamSample-10*time.Millisecond {
			t.Fatalf("two motion scores %v apart: more than 2/s", mo.Time.Sub(last))
		}
		last = mo.Time
		n++
	}
}

func TestStreamHeartbeat(t *testing.T) {
	old := streamHeartbeat
	streamHeartbeat = 50 * time.Millisecond
	t.Cleanup(func() { streamHeartbeat = old })
	e := newEnv(t)
	ch, _ := openStream(t, e, e.without)
	waitFor(t, ch, "a heartbeat comment", func(m sseMsg) bool { return m.name == "" && m.data == "heartbeat" }, nil)
}

func TestStreamEndsWithItsCredential(t *testing.T) {
	e, _ := streamEnv(t)
	ctx := context.Background()
	ch, _ := openStream(t, e, e.with)
	waitFor(t, ch, "yard's status", func(m sseMsg) bool { return m.name == "camera" }, nil)
	if _, err := e.st.RevokeTokens(ctx, "neighbour", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ch, "the end message", func(m sseMsg) bool { return m.name == "end" }, nil)
	deadline := time.After(20 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the stream stayed open after its token was revoked")
		}
	}
}

func TestEventQueueCoalescesAndBounds(t *testing.T) {
	q := newEventQueue(2)
	q.put(store.Event{ID: 1, Score: 0.1})
	q.put(store.Event{ID: 1, Score: 0.2}) // replaces the unsent first state
	q.put(store.Event{ID: 2})
	q.put(store.Event{ID: 3}) // drops event 1, the oldest
	if n := q.takeDropped(); n != 1 {
		t.Fatalf("dropped %d, want 1", n)
	}
	got := q.takeAll()
	if len(got) != 2 || got[0].ID != 2 || got[1].ID != 3 {
		t.Fatalf("queue holds %+v", got)
	}
	q.put(store.Event{ID: 4, Score: 0.1})
	q.put(store.Event{ID: 4, Score: 0.3})
	if got := q.takeAll(); len(got) != 1 || got[0].Score != 0.3 {
		t.Fatalf("an event's changes did not coalesce into its latest state: %+v", got)
	}
}
