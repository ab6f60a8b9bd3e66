package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// viewer watches one camera's live WebSocket and reconnects when it drops (nvrd restarts). A slow
// viewer reads one message every 200 ms through a tiny socket buffer, so nvrd's queue for it fills.
type viewer struct {
	name, camera, url, token string
	slow                     bool

	mu       sync.Mutex
	bytes    int64
	messages int64
	connects int
	badMsgs  int // messages that were not a whole number of 188-byte TS packets
	lastData time.Time
	lastErr  string
}

type viewerReport struct {
	Name     string  `json:"name"`
	Slow     bool    `json:"slow,omitempty"`
	Bytes    int64   `json:"bytes"`
	Messages int64   `json:"messages"`
	Connects int     `json:"connects"`
	BadMsgs  int     `json:"bad_messages"`
	IdleS    float64 `json:"idle_s"` // seconds since the last message, at the end
	LastErr  string  `json:"last_error,omitempty"`
}

func (v *viewer) run(ctx context.Context) {
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 64 << 10}
	if v.slow {
		dialer.ReadBufferSize = 1024
		dialer.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(4096)
			}
			return c, err
		}
	}
	wsURL := "ws" + strings.TrimPrefix(v.url, "http") + "/api/cameras/" + v.camera + "/live"
	h := http.Header{"Authorization": {"Bearer " + v.token}}
	for ctx.Err() == nil {
		c, _, err := dialer.DialContext(ctx, wsURL, h)
		if err != nil {
			v.setErr(err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		v.mu.Lock()
		v.connects++
		v.mu.Unlock()
		stop := context.AfterFunc(ctx, func() { c.Close() })
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				v.setErr(err)
				break
			}
			v.mu.Lock()
			v.messages++
			v.bytes += int64(len(msg))
			if typ != websocket.BinaryMessage || len(msg)%188 != 0 || len(msg) == 0 || msg[0] != 0x47 {
				v.badMsgs++
			}
			v.lastData = time.Now()
			v.mu.Unlock()
			if v.slow {
				time.Sleep(200 * time.Millisecond)
			}
		}
		stop()
		c.Close()
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (v *viewer) setErr(err error) {
	v.mu.Lock()
	v.lastErr = err.Error()
	v.mu.Unlock()
}

func (v *viewer) idle() time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.lastData.IsZero() {
		return time.Hour
	}
	return time.Since(v.lastData)
}

func (v *viewer) report() viewerReport {
	v.mu.Lock()
	defer v.mu.Unlock()
	idle := -1.0
	if !v.lastData.IsZero() {
		idle = round1(time.Since(v.lastData).Seconds())
	}
	return viewerReport{Name: v.name, Slow: v.slow, Bytes: v.bytes, Messages: v.messages, Connects: v.connects,
		BadMsgs: v.badMsgs, IdleS: idle, LastErr: v.lastErr}
}

// liveOnce opens a camera's live WebSocket, reads until the first message and closes it.
func liveOnce(ctx context.Context, url, token, camera string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(url, "http") + "/api/cameras/" + camera + "/live"
	c, resp, err := websocket.DefaultDialer.DialContext(ctx, wsURL, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("%s: %w (HTTP %d)", camera, err, resp.StatusCode)
		}
		return fmt.Errorf("%s: %w", camera, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, _, err := c.ReadMessage(); err != nil {
		return fmt.Errorf("%s: no live video: %w", camera, err)
	}
	return nil
}

// checkViewerCounts: each camera's status counts the soak's viewers of it, so no socket of the
// burst or of a reconnect stayed attached to the camera's stream.
func (s *soak) checkViewerCounts(ctx context.Context) {
	// nvrd may drop the slow viewer (its write deadline) while the client still drains its socket
	// buffers, so the slow one counts as 0 or 1.
	want, slow := map[string]int{}, map[string]int{}
	for _, v := range s.viewers {
		if v.slow {
			slow[v.camera]++
		} else {
			want[v.camera]++
		}
	}
	var bad []string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(time.Second) {
		bad = bad[:0]
		for _, id := range s.camIDs {
			var st struct {
				Viewers int `json:"viewers"`
			}
			if err := s.getJSON(ctx, "/api/cameras/"+id+"/status", &st); err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", id, err))
			} else if st.Viewers < want[id] || st.Viewers > want[id]+slow[id] {
				bad = append(bad, fmt.Sprintf("%s counts %d viewers, the soak has %d (and %d slow)", id, st.Viewers, want[id], slow[id]))
			}
		}
		if len(bad) == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
	}
	if len(bad) > 0 {
		s.fail("live viewers left attached: %s", strings.Join(bad, "; "))
	}
}

// checkViewersFresh: every viewer, the slow one included, got video in the last 10 s, and every
// message was whole TS packets.
func (s *soak) checkViewersFresh() {
	for _, v := range s.viewers {
		if d := v.idle(); d > 10*time.Second {
			s.fail("viewer %s got no live video for %.0f s at the end (last error: %s)", v.name, d.Seconds(), v.report().LastErr)
		}
		if r := v.report(); r.BadMsgs > 0 {
			s.fail("viewer %s got %d messages that were not whole TS packets", v.name, r.BadMsgs)
		}
	}
}
