package motion

import "errors"

// Tuning constants of the detector. They are documented in the package
// comment; only the threshold and the analysis width are per camera.
const (
	// DefaultThreshold is the score at or above which a frame counts as
	// motion when Config.Threshold is 0.
	DefaultThreshold = 2.0

	// DefaultWidth is the analysis width in pixels when Config.Width is 0.
	DefaultWidth = 320

	// MinWidth and MaxWidth bound Config.Width.
	MinWidth, MaxWidth = 32, 1920

	// MeanFactor and NoiseFloor set the level subtracted from the eroded
	// difference before the RMS: mean×MeanFactor + NoiseFloor.
	MeanFactor, NoiseFloor = 2.0, 4.0

	// ChangeLevel is the eroded difference, in grey levels, above which a
	// pixel counts as changed for the global-change test and the
	// Result.Changed fraction.
	ChangeLevel = 12

	// GlobalChangeFraction is the fraction of monitored pixels that must
	// change at once for a frame to count as a global change.
	GlobalChangeFraction = 0.5
)

// ErrInvalidConfig is wrapped by every error that New and SetConfig return
// for a configuration they reject.
var ErrInvalidConfig = errors.New("invalid motion config")

// Point is a position in the image as fractions of its width (X) and height
// (Y): (0,0) is the top-left corner and (1,1) the bottom-right one.
type Point struct{ X, Y float64 }

// Polygon is a closed polygon given by its corners in order; the last corner
// connects back to the first. It must have at least 3 corners, all within
// 0..1, and a non-zero area. Self-intersecting polygons are filled with the
// even-odd rule.
type Polygon []Point

// Config is the per-camera configuration of a Detector. The zero value is
// valid: the whole frame is monitored with the default threshold.
type Config struct {
	// Threshold is the score at or above which a frame counts as motion.
	// 0 means DefaultThreshold.
	Threshold float64

	// Zones are the areas where motion counts. Empty means the whole frame.
	Zones []Polygon

	// Masks are areas that are ignored, even inside a zone.
	Masks []Polygon

	// Width is the analysis width in pixels (MinWidth..MaxWidth).
	// 0 means DefaultWidth. Frames narrower than Width are analysed at
	// their own width.
	Width int
}

// threshold returns the effective threshold.
func (c *Config) threshold() float64 {
	if c.Threshold == 0 {
		return DefaultThreshold
	}
	return c.Threshold
}

// width returns the effective analysis width.
func (c *Config) width() int {
	if c.Width == 0 {
		return DefaultWidth
	}
	return c.Width
}
