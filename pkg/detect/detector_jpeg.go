package detect

import (
	"errors"
	"fmt"
	"sync"

	"github.com/nvrproject/nvr/pkg/jpegscale"
)

// jpegDecoders holds reduced-scale JPEG decoders with their buffers, shared by every
// Detector: one is taken for each DetectJPEG call.
var jpegDecoders = sync.Pool{New: func() any { return new(jpegscale.Decoder) }}

// DetectJPEG finds objects in a JPEG, best score first, like Detect on the decoded
// picture. A baseline JPEG is decoded only at the reduced scale (1/8, 1/4, 1/2 or full)
// that still covers the model's input once letterboxed — 1/4 for 1080p and a 416 input
// — which is several times cheaper than a full decode; other JPEGs are decoded by
// image/jpeg. Boxes are in the pixels of the JPEG's full size, from its frame header.
func (d *Detector) DetectJPEG(data []byte) ([]Detection, error) {
	if len(data) == 0 {
		return nil, errors.New("no image was given")
	}
	w, h, err := jpegscale.Size(data)
	if err != nil {
		return nil, fmt.Errorf("reading the JPEG header failed: %w", err)
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("the image is empty (%dx%d)", w, h)
	}
	minW, minH := d.DecodeSize(w, h)

	dec := jpegDecoders.Get().(*jpegscale.Decoder)
	defer jpegDecoders.Put(dec)
	f, err := dec.Decode(data, minW, minH)
	if err != nil {
		return nil, fmt.Errorf("decoding the JPEG failed: %w", err)
	}
	return d.DetectScaled(f.Image, f.Scale, f.Width, f.Height)
}
