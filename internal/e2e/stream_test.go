package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
)

// TestPushStreamShowsAViewerOnlyTheirCamera: a viewer given one of two real cameras through the users
// API gets that camera's status (streaming), its motion scores and its events over GET /api/stream, and
// nothing about the other camera.
func TestPushStreamShowsAViewerOnlyTheirCamera(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	n := startNVR(t)
	mine := n.addCamera("Porch", startCamera(t, testcam.Options{}).URL())
	other := n.addCamera("Shed", startCamera(t, testcam.Options{}).URL())
	if code := n.do("POST", "/api/users", map[string]any{"name": "neighbour", "role": "viewer", "password": "long enough 1",
		"cameras": map[string]any{mine: map[string]bool{"live": true, "recordings": true}}}, nil); code != http.StatusCreated {
		t.Fatalf("create viewer: HTTP %d", code)
	}
	var tok struct{ Token string }
	if code := n.do("POST", "/api/tokens", map[string]string{"name": "test", "user": "neighbour"}, &tok); code != http.StatusCreated || tok.Token == "" {
		t.Fatalf("create token: HTTP %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", n.srv.URL+"/api/stream", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open stream: %v %v", err, resp)
	}
	defer resp.Body.Close()
	type msg struct{ name, data string }
	msgs := make(chan msg, 256)
	go func() {
		defer close(msgs)
		sc := bufio.NewScanner(resp.Body)
		var m msg
		for sc.Scan() {
			switch l := sc.Text(); {
			case l == "":
				if m.name != "" {
					msgs <- m
				}
				m = msg{}
			case strings.HasPrefix(l, "event: "):
				m.name = l[7:]
			case strings.HasPrefix(l, "data: "):
				m.data = l[6:]
			}
		}
	}()
	var streaming, motion, event bool
	recorded := false
	deadline := time.After(60 * time.Second)
	for !(streaming && motion && event) {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatal("the stream ended")
			}
			if strings.Contains(m.data, `"`+other+`"`) {
				t.Fatalf("the viewer was sent the other camera: %s %s", m.name, m.data)
			}
			var d struct {
				Camera string
				Status struct{ State string }
				Score  *float64
				Type   string
				Event  struct{ Camera, Kind string }
			}
			if err := json.Unmarshal([]byte(m.data), &d); err != nil {
				t.Fatalf("%s: %v", m.data, err)
			}
			switch m.name {
			case "camera":
				streaming = streaming || d.Camera == mine && d.Status.State == "streaming"
			case "motion":
				motion = motion || d.Camera == mine && d.Score != nil
			case "event":
				event = event || d.Event.Camera == mine && d.Event.Kind == "manual" && d.Type == "new"
			}
			if streaming && !recorded {
				// Both cameras record now: only the viewer's camera's event may reach them.
				recorded = true
				for _, id := range []string{other, mine} {
					if code := n.do("POST", "/api/cameras/"+id+"/record", map[string]int{"seconds": 3}, nil); code >= 300 {
						t.Fatalf("record now on %s: HTTP %d", id, code)
					}
				}
			}
		case <-deadline:
			t.Fatalf("within 60 s: streaming %v, motion %v, event %v", streaming, motion, event)
		}
	}
}
