package events

import (
	"image"
	"image/color"
	"sync"

	"github.com/nvrproject/nvr/pkg/ipc"
	"github.com/nvrproject/nvr/pkg/jpegscale"
)

// keyframeImage is one keyframe as every analysis of it sees it: the JPEG, its size (from
// ipc.Keyframe) and its decodes, made lazily and at most once per scale. Motion takes the
// luma at its analysis width, QR the luma at up to 1920 px, detection the colour picture
// at the model's input size, a snapshot the full colour picture; two of them asking for
// the same scale share one decode. It is an image.Image of the keyframe's full size that
// decodes only when its pixels are read (drawing a snapshot).
//
// A luma request is served by a colour decode of the same scale when there is one. A
// colour request where only a luma decode was made would decode again, so a keyframe
// that may still go to the detector or become a snapshot is made with colour set: its
// decodes are then all colour ones (the chroma costs little next to the entropy decoding
// every decode pays), and none is repeated.
//
// The camera's goroutine and the detection scheduler use it at once; it is safe for that.
type keyframeImage struct {
	data []byte
	// fullImg is the keyframe's full-size picture when the worker sent one (ipc.Keyframe.Full):
	// data is then the analysis picture, which motion and detection decode, while QR, a snapshot
	// and drawing take fullImg. nil when data is the only picture.
	fullImg *keyframeImage
	// colour makes every decode a colour one; set before the keyframe is shared.
	colour bool
	// kept says an object keeps it as its best sighting, to draw later: it is not released.
	// The camera's goroutine alone uses it.
	kept bool
	// onDecode, when set, is told of every decode (tests count them).
	onDecode func(k *keyframeImage, scale int, colour bool)

	sizeOnce sync.Once
	w, h     int
	sizeErr  error

	mu    sync.Mutex
	cache [4]*decode // by scale: 1, 2, 4, 8
}

// decode is one decode of a keyframe at one scale.
type decode struct {
	once   sync.Once
	colour bool // a colour decode (a luma-only one has colour false)
	frame  jpegscale.Frame
	err    error
	dec    *jpegscale.Decoder // holds frame's pixels; back to its pool on release
	pool   *sync.Pool
}

// decoders hold luma-only ([0]) and colour ([1]) decoders with their tables (70 KiB each)
// and pixel buffers, shared by every camera.
var decoders = [2]sync.Pool{
	{New: func() any { return &jpegscale.Decoder{LumaOnly: true} }},
	{New: func() any { return &jpegscale.Decoder{} }},
}

// newKeyframeImage wraps a keyframe. Its size is the one the worker sent; a keyframe
// without one (tests, an older worker) has its JPEG header read once, when first needed.
func newKeyframeImage(k *ipc.Keyframe) *keyframeImage {
	ki := sized(k.JPEG, k.Width, k.Height)
	if len(k.Full) > 0 {
		ki.fullImg = sized(k.Full, k.FullWidth, k.FullHeight)
	}
	return ki
}

// sized wraps one JPEG whose size w×h is known (0×0: read from its header when needed).
func sized(data []byte, w, h int) *keyframeImage {
	ki := &keyframeImage{data: data}
	if w > 0 && h > 0 {
		ki.w, ki.h = w, h
		ki.sizeOnce.Do(func() {})
	}
	return ki
}

// largest is the full-size picture when there is one, else the keyframe itself.
func (ki *keyframeImage) largest() *keyframeImage {
	if ki.fullImg != nil {
		return ki.fullImg
	}
	return ki
}

// jpegBytes returns the keyframe's largest JPEG (an event snapshot when nothing is drawn on it).
func (ki *keyframeImage) jpegBytes() []byte { return ki.largest().data }

// size returns the keyframe's full width and height.
func (ki *keyframeImage) size() (w, h int, err error) {
	ki.sizeOnce.Do(func() {
		ki.w, ki.h, ki.sizeErr = jpegscale.Size(ki.data)
	})
	return ki.w, ki.h, ki.sizeErr
}

// scaleFor returns the reduction jpegscale uses for a picture at least minW×minH.
func (ki *keyframeImage) scaleFor(minW, minH int) (int, error) {
	w, h, err := ki.size()
	if err != nil {
		return 0, err
	}
	return jpegscale.Scale(w, h, minW, minH), nil
}

// luma returns the keyframe at the given reduction (1, 2, 4 or 8), of which the caller
// reads the luma only: an *image.Gray, or an *image.YCbCr when a colour decode serves.
func (ki *keyframeImage) luma(scale int) (jpegscale.Frame, error) { return ki.at(scale, false) }

// colourAt returns the keyframe's colour picture at the given reduction.
func (ki *keyframeImage) colourAt(scale int) (jpegscale.Frame, error) { return ki.at(scale, true) }

// at returns the decode at scale, making it if there is none good enough.
func (ki *keyframeImage) at(scale int, colour bool) (jpegscale.Frame, error) {
	i := scaleIndex(scale)
	w, h, err := ki.size()
	if err != nil {
		return jpegscale.Frame{}, err
	}
	colour = colour || ki.colour
	ki.mu.Lock()
	d := ki.cache[i]
	if d == nil || (colour && !d.colour) {
		d = &decode{colour: colour}
		ki.cache[i] = d
	}
	ki.mu.Unlock()
	d.once.Do(func() {
		if ki.onDecode != nil {
			ki.onDecode(ki, 1<<i, d.colour)
		}
		d.pool = &decoders[0]
		if d.colour {
			d.pool = &decoders[1]
		}
		// The decoder stays with the picture (the detector and a later snapshot read it)
		// until release gives both back.
		d.dec = d.pool.Get().(*jpegscale.Decoder)
		s := 1 << i
		d.frame, d.err = d.dec.Decode(ki.data, (w+s-1)/s, (h+s-1)/s)
	})
	return d.frame, d.err
}

// release gives the decoders and their pixels back for other keyframes to use: the caller
// says nobody reads this keyframe's pictures any more. A keyframe that is never released
// (one a detection request or an object's best sighting still holds) is left to the
// garbage collector with its decoders.
func (ki *keyframeImage) release() {
	if ki.fullImg != nil {
		ki.fullImg.release()
	}
	ki.mu.Lock()
	cache := ki.cache
	ki.cache = [4]*decode{}
	ki.mu.Unlock()
	for _, d := range cache {
		if d == nil {
			continue
		}
		d.once.Do(func() {}) // a decode that never ran has nothing to give back
		if d.dec != nil {
			d.pool.Put(d.dec)
			d.dec, d.frame = nil, jpegscale.Frame{}
		}
	}
}

// scaleIndex maps a reduction 1, 2, 4, 8 to 0..3 (anything else to the nearest below).
func scaleIndex(scale int) int {
	switch {
	case scale >= 8:
		return 3
	case scale >= 4:
		return 2
	case scale >= 2:
		return 1
	}
	return 0
}

// full returns the full-size colour picture (of the largest JPEG), or a grey one of its size when
// the JPEG cannot be decoded.
func (ki *keyframeImage) full() image.Image {
	ki = ki.largest()
	f, err := ki.colourAt(1)
	if err != nil || f.Image == nil {
		w, h, _ := ki.size()
		return image.NewGray(image.Rect(0, 0, w, h))
	}
	return f.Image
}

// ColorModel implements image.Image.
func (ki *keyframeImage) ColorModel() color.Model { return ki.full().ColorModel() }

// Bounds implements image.Image without decoding (the largest picture's bounds).
func (ki *keyframeImage) Bounds() image.Rectangle {
	w, h, _ := ki.largest().size()
	return image.Rect(0, 0, w, h)
}

// At implements image.Image.
func (ki *keyframeImage) At(x, y int) color.Color { return ki.full().At(x, y) }

// unwrap returns the decoded picture behind a keyframeImage (so drawing takes its fast paths).
func unwrap(img image.Image) image.Image {
	if ki, ok := img.(*keyframeImage); ok {
		return ki.full()
	}
	return img
}
