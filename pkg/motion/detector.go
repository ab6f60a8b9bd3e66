package motion

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/nvrproject/nvr/pkg/jpegscale"
)

// Result is the outcome of comparing a keyframe with the previous one.
type Result struct {
	// Score is the RMS, over the monitored area, of the eroded
	// difference above the mean-based level, in grey levels. It is 0 for
	// the first frame, after a size change, and for global changes.
	Score float64
	// Motion is Score ≥ the configured threshold.
	Motion bool
	// GlobalChange reports that most of the monitored area changed at
	// once (lights, IR switch); Score is 0 and the frame became the new
	// reference.
	GlobalChange bool
	// Changed is the fraction (0..1) of the monitored area whose eroded
	// difference is at least ChangeLevel grey levels.
	Changed float64
	// Box bounds the pixels that contribute to Score, in image
	// fractions. It is the zero Rect when Score is 0.
	Box Rect
}

// Rect is an axis-aligned rectangle in image fractions; Max is exclusive.
type Rect struct{ Min, Max Point }

// Detector scores motion between consecutive keyframes of one camera. It
// keeps the previous keyframe (at the analysis size) and all its work
// buffers, so it does not allocate per frame once warmed up. It is not safe
// for concurrent use: use one Detector per camera, from one goroutine.
type Detector struct {
	cfg       Config
	threshold float64

	dec  jpegscale.Decoder
	view plane // the decoded luma, a view into dec's buffers
	conv plane // luma of fallback-decoded images that are not YCbCr/Gray
	rs   resampler

	cur, ref   plane // analysis frames
	hasRef     bool
	srcW, srcH int // full size of the reference frame

	row, hmin, eroded []byte // scoring buffers

	mask      []uint8 // 1 = ignored pixel; nil = all monitored
	maskBuf   []uint8
	maskW     int
	maskH     int
	maskValid bool
	monitored int // number of monitored pixels
	xs        []float64
}

// New returns a Detector for cfg, or an error wrapping ErrInvalidConfig
// that says what is wrong with it.
func New(cfg Config) (*Detector, error) {
	d := &Detector{dec: jpegscale.Decoder{LumaOnly: true}}
	if err := d.SetConfig(cfg); err != nil {
		return nil, err
	}
	return d, nil
}

// SetConfig replaces the configuration. The reference frame is kept unless
// the analysis width changes. cfg is copied, so the caller may reuse it. On
// error the previous configuration stays in effect.
func (d *Detector) SetConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.width() != d.cfg.width() {
		d.hasRef = false
	}
	cfg.Zones = clonePolygons(cfg.Zones)
	cfg.Masks = clonePolygons(cfg.Masks)
	d.cfg, d.threshold, d.maskValid = cfg, cfg.threshold(), false
	return nil
}

// clonePolygons returns a deep copy of ps.
func clonePolygons(ps []Polygon) []Polygon {
	if len(ps) == 0 {
		return nil
	}
	out := make([]Polygon, len(ps))
	for i, p := range ps {
		out[i] = append(Polygon(nil), p...)
	}
	return out
}

// Reset forgets the reference frame, for example after the stream was
// interrupted or the camera moved; the next frame scores 0.
func (d *Detector) Reset() { d.hasRef = false }

// ProcessJPEG decodes a keyframe and compares it with the previous one.
// The JPEG is decoded by pkg/jpegscale at the smallest scale that is still
// at least the analysis width, and only its luma is used. A frame that
// cannot be decoded leaves the reference unchanged.
func (d *Detector) ProcessJPEG(data []byte) (Result, error) {
	f, err := d.dec.Decode(data, d.cfg.width(), 0)
	if err != nil {
		return Result{}, fmt.Errorf("motion: decoding keyframe JPEG: %w", err)
	}
	return d.process(lumaOf(f.Image, &d.view, &d.conv), f.Width, f.Height), nil
}

// ProcessGray compares a grey-level frame with the previous one. It is the
// entry point for callers that already have decoded luma, and for tests.
func (d *Detector) ProcessGray(img *image.Gray) (Result, error) {
	if img == nil || img.Rect.Empty() {
		return Result{}, errors.New("motion: empty frame")
	}
	p := lumaOf(img, &d.view, &d.conv)
	return d.process(p, p.W, p.H), nil
}

// process resamples the luma plane p of a w×h frame to the analysis size,
// scores it against the reference and makes it the new reference.
func (d *Detector) process(p *plane, w, h int) Result {
	aw := min(d.cfg.width(), w)
	ah := max(1, int(math.Round(float64(h)*float64(aw)/float64(w))))
	if w != d.srcW || h != d.srcH || aw != d.ref.W || ah != d.ref.H {
		d.hasRef = false
		d.srcW, d.srcH = w, h
	}
	d.cur.resize(aw, ah)
	d.rs.resample(p, &d.cur)
	if !d.hasRef {
		d.cur, d.ref = d.ref, d.cur
		d.hasRef = true
		return Result{}
	}
	d.updateMask(aw, ah)
	res := d.score()
	res.Motion = !res.GlobalChange && res.Score >= d.threshold
	d.cur, d.ref = d.ref, d.cur
	return res
}
