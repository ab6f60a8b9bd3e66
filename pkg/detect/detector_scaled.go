package detect

import (
	"errors"
	"fmt"
	"image"
)

// DecodeSize returns the smallest picture a width×height frame may be reduced to before
// detection without losing what the model sees: the size the frame takes inside the
// model's letterboxed input. A caller that decodes its JPEGs at a reduced scale (as
// pkg/jpegscale does) decodes at the largest reduction that is still this big and passes
// the result to DetectScaled.
func (d *Detector) DecodeSize(width, height int) (minWidth, minHeight int) {
	lb := newLetterbox(width, height, d.model.inW, d.model.inH)
	return lb.w, lb.h
}

// DetectScaled finds objects in img, best score first, where img is a fullWidth×fullHeight
// frame reduced by scale (img pixel x covers full-size pixels scale·x to scale·(x+1)).
// Boxes are in the full-size frame's pixels, clamped to it. DetectJPEG is DetectScaled on
// the JPEG decoded at DecodeSize.
func (d *Detector) DetectScaled(img image.Image, scale, fullWidth, fullHeight int) ([]Detection, error) {
	if img == nil {
		return nil, errors.New("no image was given")
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, fmt.Errorf("the image is empty (%dx%d)", b.Dx(), b.Dy())
	}
	if scale < 1 || fullWidth <= 0 || fullHeight <= 0 {
		return nil, fmt.Errorf("the image was reduced by %d from %dx%d: not a reduction", scale, fullWidth, fullHeight)
	}
	lb := newLetterbox(b.Dx(), b.Dy(), d.model.inW, d.model.inH)
	return d.detect(img, lb, float64(scale), float64(fullWidth), float64(fullHeight))
}
