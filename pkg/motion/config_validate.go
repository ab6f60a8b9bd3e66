package motion

import (
	"fmt"
	"math"
)

// Validate reports whether the configuration is usable, with an error that
// names the offending field. Polygons are numbered from 1 in messages
// ("zone 2" is Zones[1]). Every error wraps ErrInvalidConfig.
func (c *Config) Validate() error {
	if math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0) || c.Threshold < 0 {
		return fmt.Errorf("%w: threshold %v must be a positive number (or 0 for the default %v)",
			ErrInvalidConfig, c.Threshold, DefaultThreshold)
	}
	if c.Width != 0 && (c.Width < MinWidth || c.Width > MaxWidth) {
		return fmt.Errorf("%w: analysis width %d is outside %d..%d (or 0 for the default %d)",
			ErrInvalidConfig, c.Width, MinWidth, MaxWidth, DefaultWidth)
	}
	for i, p := range c.Zones {
		if err := p.validate(); err != nil {
			return fmt.Errorf("%w: zone %d %w", ErrInvalidConfig, i+1, err)
		}
	}
	for i, p := range c.Masks {
		if err := p.validate(); err != nil {
			return fmt.Errorf("%w: mask %d %w", ErrInvalidConfig, i+1, err)
		}
	}
	return nil
}

// polygonError describes what is wrong with one polygon. Its message is
// written to follow the polygon's name ("zone 2 has only 2 points; ...").
type polygonError struct{ msg string }

func (e *polygonError) Error() string { return e.msg }

// validate checks the number of corners, their range and the area.
func (p Polygon) validate() error {
	if len(p) < 3 {
		return &polygonError{fmt.Sprintf("has only %d points; a polygon needs at least 3", len(p))}
	}
	for i, pt := range p {
		if !(pt.X >= 0 && pt.X <= 1 && pt.Y >= 0 && pt.Y <= 1) { // also rejects NaN
			return &polygonError{fmt.Sprintf(
				"point %d is (%v, %v); coordinates are image fractions and must be within 0..1",
				i+1, pt.X, pt.Y)}
		}
	}
	if math.Abs(p.area()) < 1e-9 {
		return &polygonError{"has zero area; its points are all on one line"}
	}
	return nil
}

// area returns the signed area of the polygon (shoelace formula), in squared
// image fractions.
func (p Polygon) area() float64 {
	var a float64
	for i := range p {
		j := (i + 1) % len(p)
		a += p[i].X*p[j].Y - p[j].X*p[i].Y
	}
	return a / 2
}
