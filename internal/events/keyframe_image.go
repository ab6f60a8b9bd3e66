package events

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"sync"

	"github.com/nvrproject/nvr/pkg/detect"
)

// jpegDetector is a detector that takes the JPEG itself and decodes only at the scale its model needs
// (*detect.Detector.DetectJPEG): 4–6× cheaper than a full decode of a 1080p keyframe.
type jpegDetector interface {
	DetectJPEG(data []byte) ([]detect.Detection, error)
}

// lazyJPEG is a keyframe whose size is known from its header and whose pixels are decoded only if
// someone needs them (an object snapshot), once.
type lazyJPEG struct {
	data []byte
	w, h int
	once sync.Once
	img  image.Image
}

// decoded returns the full picture, or a grey one of the right size if it cannot be decoded.
func (l *lazyJPEG) decoded() image.Image {
	l.once.Do(func() {
		img, err := jpeg.Decode(bytes.NewReader(l.data))
		if err != nil {
			img = image.NewGray(image.Rect(0, 0, l.w, l.h))
		}
		l.img = img
	})
	return l.img
}

// ColorModel implements image.Image.
func (l *lazyJPEG) ColorModel() color.Model { return l.decoded().ColorModel() }

// Bounds implements image.Image without decoding.
func (l *lazyJPEG) Bounds() image.Rectangle { return image.Rect(0, 0, l.w, l.h) }

// At implements image.Image.
func (l *lazyJPEG) At(x, y int) color.Color { return l.decoded().At(x, y) }

// unwrap returns the decoded picture behind a lazyJPEG (so drawing takes its fast paths).
func unwrap(img image.Image) image.Image {
	if l, ok := img.(*lazyJPEG); ok {
		return l.decoded()
	}
	return img
}
