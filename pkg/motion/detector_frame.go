package motion

import (
	"errors"
	"image"
)

// DecodeWidth is the smallest width a keyframe may be decoded at for this Detector: its
// analysis width. A caller that decodes keyframes itself (to share one decode among
// several analyses) decodes at the largest reduction that is still this wide and hands
// the result to ProcessFrame.
func (d *Detector) DecodeWidth() int { return d.cfg.width() }

// ProcessFrame compares a keyframe that the caller decoded with the previous one, like
// ProcessJPEG on its JPEG: img is the fullWidth×fullHeight keyframe, possibly reduced (a
// pkg/jpegscale Frame's Image, Width and Height). Only its luma is used, without a copy
// when img is *image.YCbCr or *image.Gray.
func (d *Detector) ProcessFrame(img image.Image, fullWidth, fullHeight int) (Result, error) {
	if img == nil || img.Bounds().Empty() {
		return Result{}, errors.New("motion: empty frame")
	}
	if fullWidth <= 0 || fullHeight <= 0 {
		b := img.Bounds()
		fullWidth, fullHeight = b.Dx(), b.Dy()
	}
	return d.process(lumaOf(img, &d.view, &d.conv), fullWidth, fullHeight), nil
}
