package store

import (
	"fmt"
	"math"
	"strings"
)

// The analysis settings below live in the camera's settings JSON under "motion", "qr" and
// "detect". Every zero value means "the default", so rows written before a field existed
// still load and behave sensibly; the Effective* methods resolve the defaults.

// Point is a position in the picture as fractions of its width (X) and height (Y):
// (0,0) is the top-left corner, (1,1) the bottom-right one.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Polygon is a closed polygon given by its corners in order (at least 3, all within 0..1).
type Polygon []Point

// Contains reports whether p lies inside the polygon (even-odd rule).
func (pg Polygon) Contains(p Point) bool {
	in := false
	for i, j := 0, len(pg)-1; i < len(pg); j, i = i, i+1 {
		a, b := pg[i], pg[j]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < (b.X-a.X)*(p.Y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

// Motion detection defaults.
const (
	DefaultMotionMinFrames = 1
	// MaxMotionThreshold is the largest useful threshold: scores are in grey levels.
	MaxMotionThreshold = 255
)

// MotionSettings configure motion detection.
type MotionSettings struct {
	Enabled bool `json:"enabled"`
	// Threshold is the motion score (grey levels) at or above which a keyframe counts as
	// motion; 0 = the detector's default (pkg/motion.DefaultThreshold).
	Threshold float64 `json:"threshold"`
	// MinFrames is how many consecutive keyframes at or above the threshold start an
	// event; 0 = 1.
	MinFrames int `json:"min_frames"`
	// Zones are the areas where motion counts (none = the whole picture); Masks are
	// areas that are ignored, even inside a zone.
	Zones []Polygon `json:"zones,omitempty"`
	Masks []Polygon `json:"masks,omitempty"`
}

// EffectiveMinFrames is MinFrames with its default applied.
func (m MotionSettings) EffectiveMinFrames() int {
	if m.MinFrames <= 0 {
		return DefaultMotionMinFrames
	}
	return m.MinFrames
}

// QRSettings configure QR reading (off unless enabled).
type QRSettings struct {
	Enabled bool `json:"enabled"`
}

// Object detection defaults.
const (
	DefaultDetectMinScore     = 0.5
	DefaultDetectMinArea      = 0.001
	DefaultDetectIdleInterval = 15 // seconds
)

// DefaultDetectLabels are the object classes that count when DetectSettings.Labels is empty.
var DefaultDetectLabels = []string{"person", "car", "bicycle", "motorcycle", "dog", "cat"}

// The values of DetectSettings.RecordOn.
const (
	RecordOnMotion  = "motion"  // motion events start recordings (the default)
	RecordOnObjects = "objects" // a motion event starts a recording once a listed object is seen in it
	RecordOnEither  = "either"  // motion events and object events both start recordings
)

// DetectSettings configure object detection.
type DetectSettings struct {
	Enabled bool `json:"enabled"`
	// Labels are the object classes that make events; empty = DefaultDetectLabels.
	Labels []string `json:"labels,omitempty"`
	// MinScore is the confidence (0..1] an object of a label needs; a label not in the
	// map needs DefaultDetectMinScore. (The detector itself drops anything below its own
	// minimum, 0.3 by default.)
	MinScore map[string]float64 `json:"min_score,omitempty"`
	// MinArea is the smallest box, as a fraction of the picture's area; 0 = DefaultDetectMinArea.
	MinArea float64 `json:"min_area"`
	// Zones limit objects to areas: an object counts when the middle of its box's bottom
	// edge (where it stands) is inside a zone. None = the whole picture.
	Zones []Polygon `json:"zones,omitempty"`
	// IdleIntervalS is how often (seconds) to look for objects while there is no motion;
	// 0 = DefaultDetectIdleInterval.
	IdleIntervalS int `json:"idle_interval_s"`
	// RecordOn is one of RecordOnMotion (default when empty), RecordOnObjects, RecordOnEither.
	RecordOn string `json:"record_on,omitempty"`
}

// EffectiveLabels is Labels with the default applied.
func (d DetectSettings) EffectiveLabels() []string {
	if len(d.Labels) == 0 {
		return append([]string(nil), DefaultDetectLabels...)
	}
	return append([]string(nil), d.Labels...)
}

// EffectiveMinScore is the score an object of label needs.
func (d DetectSettings) EffectiveMinScore(label string) float64 {
	if s, ok := d.MinScore[label]; ok && s > 0 {
		return s
	}
	return DefaultDetectMinScore
}

// EffectiveMinArea is MinArea with its default applied.
func (d DetectSettings) EffectiveMinArea() float64 {
	if d.MinArea <= 0 {
		return DefaultDetectMinArea
	}
	return d.MinArea
}

// EffectiveIdleIntervalS is IdleIntervalS with its default applied.
func (d DetectSettings) EffectiveIdleIntervalS() int {
	if d.IdleIntervalS <= 0 {
		return DefaultDetectIdleInterval
	}
	return d.IdleIntervalS
}

// EffectiveRecordOn is RecordOn with its default applied.
func (d DetectSettings) EffectiveRecordOn() string {
	if d.RecordOn == "" {
		return RecordOnMotion
	}
	return d.RecordOn
}

// validateAnalysis checks the motion, QR and detection settings and says what is wrong in
// one sentence.
func (c *Camera) validateAnalysis() error {
	m := &c.Motion
	if math.IsNaN(m.Threshold) || m.Threshold < 0 || m.Threshold > MaxMotionThreshold {
		return fmt.Errorf("motion threshold must be between 0 (the default) and %d, not %v", MaxMotionThreshold, m.Threshold)
	}
	if m.MinFrames < 0 || m.MinFrames > 100 {
		return fmt.Errorf("motion min_frames must be between 0 (the default, 1) and 100, not %d", m.MinFrames)
	}
	if err := validatePolygons("motion zone", m.Zones); err != nil {
		return err
	}
	if err := validatePolygons("motion mask", m.Masks); err != nil {
		return err
	}

	d := &c.Detect
	seen := map[string]bool{}
	for i, l := range d.Labels {
		l = strings.TrimSpace(l)
		if l == "" {
			return fmt.Errorf("detect label %d is empty", i+1)
		}
		if err := ValidateText("detect label", l); err != nil {
			return err
		}
		if len(l) > 64 {
			return fmt.Errorf("detect label %q is longer than 64 characters", l[:64])
		}
		if seen[l] {
			return fmt.Errorf("detect label %q is listed twice", l)
		}
		seen[l] = true
		d.Labels[i] = l
	}
	for l, s := range d.MinScore {
		if strings.TrimSpace(l) == "" {
			return fmt.Errorf("detect min_score has an empty label")
		}
		if math.IsNaN(s) || s <= 0 || s > 1 {
			return fmt.Errorf("detect min_score for %q must be above 0 and at most 1, not %v", l, s)
		}
	}
	if math.IsNaN(d.MinArea) || d.MinArea < 0 || d.MinArea >= 1 {
		return fmt.Errorf("detect min_area is a fraction of the picture and must be from 0 (the default, %v) to below 1, not %v", DefaultDetectMinArea, d.MinArea)
	}
	if err := validatePolygons("detect zone", d.Zones); err != nil {
		return err
	}
	if d.IdleIntervalS < 0 || d.IdleIntervalS > 3600 {
		return fmt.Errorf("detect idle_interval_s must be between 0 (the default, %d) and 3600 seconds, not %d", DefaultDetectIdleInterval, d.IdleIntervalS)
	}
	switch d.RecordOn {
	case "", RecordOnMotion, RecordOnObjects, RecordOnEither:
	default:
		return fmt.Errorf("detect record_on %q is not one of motion, objects, either", d.RecordOn)
	}
	return nil
}

// validatePolygons checks zones or masks; what names them in messages ("motion zone 2").
func validatePolygons(what string, ps []Polygon) error {
	if len(ps) > 32 {
		return fmt.Errorf("there are %d %ss; at most 32 are allowed", len(ps), what)
	}
	for i, p := range ps {
		if len(p) < 3 {
			return fmt.Errorf("%s %d has %d points; a polygon needs at least 3", what, i+1, len(p))
		}
		if len(p) > 100 {
			return fmt.Errorf("%s %d has %d points; at most 100 are allowed", what, i+1, len(p))
		}
		var area float64
		for j, pt := range p {
			if !(pt.X >= 0 && pt.X <= 1 && pt.Y >= 0 && pt.Y <= 1) { // also rejects NaN
				return fmt.Errorf("%s %d point %d is (%v, %v); x and y are fractions of the picture and must be within 0..1", what, i+1, j+1, pt.X, pt.Y)
			}
			q := p[(j+1)%len(p)]
			area += pt.X*q.Y - q.X*pt.Y
		}
		if math.Abs(area/2) < 1e-9 {
			return fmt.Errorf("%s %d has no area; its points are all on one line", what, i+1)
		}
	}
	return nil
}
