package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// TimelineIndex is what the timeline reads of the index (*store.Store): a camera's footage as runs
// without gaps, and its events as spans.
type TimelineIndex interface {
	RecordedRuns(ctx context.Context, cameraID string, since, until time.Time, join time.Duration) ([]store.Run, error)
	EventBuckets(ctx context.Context, cameraID string, since, until, now time.Time, step time.Duration) ([]store.EventBucket, error)
}

// Limits of one timeline answer: a row is at most maxTimelineBuckets steps wide (a screen has fewer
// pixels), spans a year at most,.
const (
	maxTimelineBuckets = 5000
	maxTimelineSpan    = 366 * 24 * time.Hour
	// markerJoin: markers of one kind closer than this many steps are drawn as one (with a count).
	markerJoin = 4
)

type timelineSpanJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type timelineMarkerJSON struct {
	Kind  string `json:"kind"`
	Start string `json:"start"`
	End   string `json:"end"`
	ID    int64  `json:"id"`              // the first event of the marker
	Count int    `json:"count,omitempty"` // events merged into it, when more than one
}

type timelineJSON struct {
	Camera string               `json:"camera"`
	Since  string               `json:"since"`
	Until  string               `json:"until"`
	Step   float64              `json:"step"` // seconds
	Spans  []timelineSpanJSON   `json:"spans"`
	Events []timelineMarkerJSON `json:"events"`
	// Activity is the motion strip: one digit per step, 0 (no motion) to 9 (motion all the step);
	// empty when the window has no motion event.
	Activity string `json:"activity,omitempty"`
}

func (s *Server) timelineIndex(w http.ResponseWriter) (TimelineIndex, bool) {
	ti, ok := any(s.opt.Store).(TimelineIndex)
	if !ok || s.opt.Store == nil {
		writeError(w, http.StatusServiceUnavailable, "this nvr's index cannot draw a timeline")
		return nil, false
	}
	return ti, true
}

// timelineWindow reads since, until (both required) and step (seconds; default a thousandth of the span).
func timelineWindow(r *http.Request) (since, until time.Time, step time.Duration, err error) {
	since, until, err = span(r, true, maxTimelineSpan)
	if err != nil {
		return
	}
	step = until.Sub(since) / 1000
	if v := r.URL.Query().Get("step"); v != "" {
		f, perr := strconv.ParseFloat(v, 64)
		if perr != nil || !(f > 0) || math.IsInf(f, 0) {
			return since, until, 0, fmt.Errorf("step=%q is not a number of seconds above 0", v)
		}
		step = time.Duration(f * float64(time.Second))
	}
	step = max(step, time.Millisecond)
	if n := until.Sub(since) / step; n > maxTimelineBuckets {
		return since, until, 0, fmt.Errorf("step=%gs makes %d steps over this span; make it at least %gs", step.Seconds(), n,
			math.Ceil(until.Sub(since).Seconds()/maxTimelineBuckets))
	}
	return since, until, step, nil
}

// timeline answers a camera's recorded spans, gaps (between spans) and event markers over a window,
// aggregated to the window's resolution: gaps shorter than a step are joined, markers of one kind
// closer than markerJoin steps merged. A month of continuous footage is one span, not 1.3 million
// segments.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	c, ok := s.camera(w, r)
	if !ok {
		return
	}
	since, until, step, err := timelineWindow(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ti, ok := s.timelineIndex(w)
	if !ok {
		return
	}
	runs, err := ti.RecordedRuns(r.Context(), c.ID, since, until, step)
	if err != nil {
		storeError(w, err)
		return
	}
	now := time.Now()
	evs, err := ti.EventBuckets(r.Context(), c.ID, since, until, now, step)
	if err != nil {
		storeError(w, err)
		return
	}
	out := timelineJSON{Camera: c.ID, Since: formatTime(since), Until: formatTime(until), Step: step.Seconds(),
		Spans: make([]timelineSpanJSON, 0, len(runs)), Events: []timelineMarkerJSON{}}
	for _, ru := range runs {
		a, b := maxTime2(ru.Start, since), minTime2(ru.End, until)
		out.Spans = append(out.Spans, timelineSpanJSON{formatTime(a), formatTime(b)})
	}
	out.Events, out.Activity = timelineMarkers(evs, since, until, step)
	b, err := json.Marshal(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot write the timeline: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// timelineMarkers merges event buckets into markers (one kind, closer than markerJoin steps) and draws
// the motion strip from the motion buckets: a bucket's covered time fills its step and spills into
// the next ones (a long event starts in one step and goes on).
func timelineMarkers(evs []store.EventBucket, since, until time.Time, step time.Duration) ([]timelineMarkerJSON, string) {
	type open struct {
		m          timelineMarkerJSON
		start, end time.Time
	}
	last := map[string]int{} // kind → index in ms of its latest marker
	var ms []open
	n := int((until.Sub(since) + step - 1) / step)
	var motion []time.Duration // covered time per step
	for _, e := range evs {
		if e.Kind == store.EventMotion {
			if motion == nil {
				motion = make([]time.Duration, n)
			}
			left := e.Covered
			for i := max(int(maxTime2(e.Start, since).Sub(since)/step), 0); i < n && left > 0; i++ {
				add := min(step-motion[i], left)
				motion[i] += add
				left -= add
			}
		}
		if i, ok := last[e.Kind]; ok && e.Start.Sub(ms[i].end) < markerJoin*step {
			if e.End.After(ms[i].end) {
				ms[i].end = e.End
			}
			ms[i].m.Count += e.Count
			continue
		}
		last[e.Kind] = len(ms)
		ms = append(ms, open{m: timelineMarkerJSON{Kind: e.Kind, ID: e.FirstID, Count: e.Count}, start: e.Start, end: e.End})
	}
	out := make([]timelineMarkerJSON, 0, len(ms))
	for _, o := range ms {
		o.m.Start, o.m.End = formatTime(o.start), formatTime(o.end)
		if o.m.Count == 1 {
			o.m.Count = 0
		}
		out = append(out, o.m)
	}
	if motion == nil {
		return out, ""
	}
	strip := make([]byte, n)
	for i, d := range motion {
		v := int(math.Ceil(9 * float64(d) / float64(step)))
		strip[i] = byte('0' + min(max(v, 0), 9))
	}
	return out, string(strip)
}

// days answers the days (in the browser's time zone, ?tz=Europe/Berlin; default UTC) on which a camera
// has footage, over a window of at most 62 days: the date picker marks them.
func (s *Server) timelineDays(w http.ResponseWriter, r *http.Request) {
	c, ok := s.camera(w, r)
	if !ok {
		return
	}
	since, until, err := span(r, true, 62*24*time.Hour)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	loc := time.UTC
	if tz := r.URL.Query().Get("tz"); tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("tz=%q is not a time zone nvr knows (use a name like Europe/Berlin)", tz))
			return
		}
	}
	ti, ok := s.timelineIndex(w)
	if !ok {
		return
	}
	// A gap under an hour does not change which days have footage.
	runs, err := ti.RecordedRuns(r.Context(), c.ID, since, until, time.Hour)
	if err != nil {
		storeError(w, err)
		return
	}
	days := []string{}
	seen := map[string]bool{}
	for _, ru := range runs {
		a, b := maxTime2(ru.Start, since).In(loc), minTime2(ru.End, until).In(loc)
		for d := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, loc); d.Before(b); d = d.AddDate(0, 0, 1) {
			if k := d.Format(time.DateOnly); !seen[k] {
				seen[k] = true
				days = append(days, k)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"camera": c.ID, "tz": loc.String(), "days": days})
}

func maxTime2(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime2(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
