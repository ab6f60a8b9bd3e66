package events

import (
	"log/slog"
	"time"
)

// warner logs a camera's warnings, each kind at most every warnEvery, saying how many of
// that kind were left out. It belongs to the camera's goroutine.
type warner struct {
	log  *slog.Logger
	last map[string]time.Time
	supp map[string]int
}

// warn logs msg unless a warning of the same kind was logged in the last warnEvery.
func (w *warner) warn(kind, msg string, args ...any) {
	if w.last == nil {
		w.last, w.supp = map[string]time.Time{}, map[string]int{}
	}
	now := time.Now()
	if last, ok := w.last[kind]; ok && now.Sub(last) < warnEvery {
		w.supp[kind]++
		return
	}
	if n := w.supp[kind]; n > 0 {
		args = append(args, "similar_suppressed", n)
		w.supp[kind] = 0
	}
	w.last[kind] = now
	w.log.Warn(msg, args...)
}
