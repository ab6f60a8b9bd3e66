package store

import (
	"slices"

	"github.com/nvrproject/nvr/pkg/motion"
)

// DefaultMaxAgeDays is how long recordings are kept when record.max_age_days is 0.
const DefaultMaxAgeDays = 30

// defaultable is one setting whose zero value means "the default".
type defaultable struct {
	path  string                     // JSON path, as in CameraSettings.Effective's list
	unset func(*CameraSettings) bool // the setting holds its zero value
	fill  func(*CameraSettings)      // set the default value
	isDef func(*CameraSettings) bool // the setting holds the default value
	clear func(*CameraSettings)      // back to the zero value
}

var defaultables = []defaultable{
	{"record.max_age_days",
		func(s *CameraSettings) bool { return s.Record.MaxAgeDays == 0 },
		func(s *CameraSettings) { s.Record.MaxAgeDays = DefaultMaxAgeDays },
		func(s *CameraSettings) bool { return s.Record.MaxAgeDays == DefaultMaxAgeDays },
		func(s *CameraSettings) { s.Record.MaxAgeDays = 0 }},
	{"motion.threshold",
		func(s *CameraSettings) bool { return s.Motion.Threshold == 0 },
		func(s *CameraSettings) { s.Motion.Threshold = motion.DefaultThreshold },
		func(s *CameraSettings) bool { return s.Motion.Threshold == motion.DefaultThreshold },
		func(s *CameraSettings) { s.Motion.Threshold = 0 }},
	{"motion.min_frames",
		func(s *CameraSettings) bool { return s.Motion.MinFrames == 0 },
		func(s *CameraSettings) { s.Motion.MinFrames = DefaultMotionMinFrames },
		func(s *CameraSettings) bool { return s.Motion.MinFrames == DefaultMotionMinFrames },
		func(s *CameraSettings) { s.Motion.MinFrames = 0 }},
	{"detect.labels",
		func(s *CameraSettings) bool { return len(s.Detect.Labels) == 0 },
		func(s *CameraSettings) { s.Detect.Labels = s.Detect.EffectiveLabels() },
		func(s *CameraSettings) bool { return slices.Equal(s.Detect.Labels, DefaultDetectLabels) },
		func(s *CameraSettings) { s.Detect.Labels = nil }},
	{"detect.min_area",
		func(s *CameraSettings) bool { return s.Detect.MinArea == 0 },
		func(s *CameraSettings) { s.Detect.MinArea = DefaultDetectMinArea },
		func(s *CameraSettings) bool { return s.Detect.MinArea == DefaultDetectMinArea },
		func(s *CameraSettings) { s.Detect.MinArea = 0 }},
	{"detect.idle_interval_s",
		func(s *CameraSettings) bool { return s.Detect.IdleIntervalS == 0 },
		func(s *CameraSettings) { s.Detect.IdleIntervalS = DefaultDetectIdleInterval },
		func(s *CameraSettings) bool { return s.Detect.IdleIntervalS == DefaultDetectIdleInterval },
		func(s *CameraSettings) { s.Detect.IdleIntervalS = 0 }},
	{"detect.record_on",
		func(s *CameraSettings) bool { return s.Detect.RecordOn == "" },
		func(s *CameraSettings) { s.Detect.RecordOn = RecordOnMotion },
		func(s *CameraSettings) bool { return s.Detect.RecordOn == RecordOnMotion },
		func(s *CameraSettings) { s.Detect.RecordOn = "" }},
}

// Effective returns the settings with every default applied (what actually applies), and the JSON paths
// of the settings that are unset and so follow their default (e.g. "record.max_age_days").
func (s CameraSettings) Effective() (CameraSettings, []string) {
	out := s
	out.Detect.Labels = slices.Clone(s.Detect.Labels)
	defaults := []string{}
	for _, d := range defaultables {
		if d.unset(&out) {
			d.fill(&out)
			defaults = append(defaults, d.path)
		}
	}
	return out, defaults
}

// KeepDefaults sets back to unset every setting that was unset in before and now holds its default
// value, so a client that sends back the effective values it was shown does not pin the defaults.
func (s *CameraSettings) KeepDefaults(before CameraSettings) {
	for _, d := range defaultables {
		if d.unset(&before) && d.isDef(s) {
			d.clear(s)
		}
	}
}
