package supervisor

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nvrproject/nvr/pkg/redact"
)

// logWriter relays the worker's stderr into nvrd's log. The worker writes one JSON object per line
// (log/slog's JSONHandler); each is logged again at its own level, with its attributes, through nvrd's
// logger for the attempt, which carries the camera and generation. Other lines (GStreamer's own
// warnings) are logged at INFO as they are. Every URL password is removed (pkg/redact), and at most
// logBurst lines a minute get through (a camera in a fault loop must not flood the log); then one line
// says how many were suppressed.
type logWriter struct {
	log *slog.Logger

	mu      sync.Mutex
	partial []byte // a line not yet ended by a newline
	window  time.Time
	lines   int
}

const (
	logBurst   = 30
	maxLogLine = 16 << 10 // a longer line is relayed in pieces
)

// The worker's own attributes that nvrd's logger already carries.
var workerLogSkip = map[string]bool{slog.TimeKey: true, slog.LevelKey: true, slog.MessageKey: true, "camera": true, "gen": true}

func newLogWriter(log *slog.Logger) *logWriter { return &logWriter{log: log} }

// Write implements io.Writer; lines may arrive split across writes.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			if len(w.partial) > maxLogLine {
				w.line(string(w.partial))
				w.partial = w.partial[:0]
			}
			break
		}
		w.line(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) == 0 {
		w.partial = nil
	}
	return len(p), nil
}

// flush relays a last line that had no newline (call after the process has exited).
func (w *logWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.line(string(w.partial))
		w.partial = nil
	}
}

func (w *logWriter) line(line string) {
	line = strings.TrimRight(line, "\r")
	if strings.TrimSpace(line) == "" {
		return
	}
	if now := time.Now(); now.Sub(w.window) > time.Minute {
		if w.lines > logBurst {
			w.log.Warn("worker log lines suppressed", "count", w.lines-logBurst)
		}
		w.window, w.lines = now, 0
	}
	w.lines++
	if w.lines > logBurst {
		return
	}
	level, msg, attrs, ok := parseWorkerRecord(line)
	if !ok {
		w.log.Info("worker: " + redact.String(line))
		return
	}
	w.log.LogAttrs(context.Background(), level, "worker: "+redact.String(msg), attrs...)
}

// parseWorkerRecord reads one JSONHandler line: its level, message and other attributes in the order
// written, with passwords removed from every string. ok is false for a line that is not such an object.
func parseWorkerRecord(line string) (level slog.Level, msg string, attrs []slog.Attr, ok bool) {
	if !strings.HasPrefix(line, "{") {
		return 0, "", nil, false
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, "", nil, false
	}
	haveMsg := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return 0, "", nil, false
		}
		key, _ := kt.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return 0, "", nil, false
		}
		switch {
		case key == slog.LevelKey:
			s, _ := v.(string)
			if level.UnmarshalText([]byte(s)) != nil {
				level = slog.LevelInfo
			}
		case key == slog.MessageKey:
			msg, _ = v.(string)
			haveMsg = true
		case workerLogSkip[key]:
		default:
			attrs = append(attrs, slog.Any(key, redactValue(v)))
		}
	}
	if !haveMsg {
		return 0, "", nil, false
	}
	return level, msg, attrs, true
}

// redactValue removes passwords from the strings of a decoded JSON value.
func redactValue(v any) any {
	switch v := v.(type) {
	case string:
		return redact.String(v)
	case []any:
		for i := range v {
			v[i] = redactValue(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = redactValue(v[k])
		}
	}
	return v
}
