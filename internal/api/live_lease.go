package api

import (
	"context"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nvrproject/nvr/internal/auth"
)

// liveRevokedCode is the WebSocket close code sent when the login behind a live view ended (4000–4999
// are for applications).
const liveRevokedCode = 4001

// watchLease re-checks the live socket's credential every second (changes made by the CLI in another
// process end the lease too, not only a logout here). The returned stop waits for the watcher to end.
func watchLease(ctx context.Context, lease *auth.Live) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lease.Watch(ctx, auth.LiveCheckInterval)
	}()
	return func() { cancel(); <-done }
}

// closeRevoked tells the browser in a close frame why its live view ends.
func closeRevoked(ws *websocket.Conn) {
	msg := websocket.FormatCloseMessage(liveRevokedCode, "your login ended or lost access to this camera; log in again")
	_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
}
