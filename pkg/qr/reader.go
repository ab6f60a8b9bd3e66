// Package qr reads QR codes in camera keyframes, for example a code shown to
// a camera to pair it or to trigger an action.
//
// A [Reader] wraps gozxing's QR reader with settings for surveillance
// frames: codes that are a modest part of a 1080p frame (from about 100 px
// wide), seen at an angle, with sensor noise. It looks at the luma channel
// only and bounds its work to two passes per frame: about 13 ms for a 1080p
// frame holding a code and 22 ms for one without (both passes) on one core,
// with TRY_HARDER on.
package qr

import (
	"errors"
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// MaxWidth is the largest width the first pass works at: larger frames
// (4K) are first halved until they fit, which keeps the cost of a frame
// bounded while a code of 100 px or more at 4K stays readable.
const MaxWidth = 1920

// MinSecondPassWidth is the smallest working width at which a second pass
// at half resolution is tried when the first finds nothing. Halving helps
// with large, blurred or noisy codes.
const MinSecondPassWidth = 1200

// Reader finds and decodes QR codes in frames. It keeps its buffers and
// gozxing readers between frames; it is not safe for concurrent use (use
// one per camera). The zero value is not usable: call NewReader.
type Reader struct {
	multi  *multiqr.QRCodeMultiReader
	single gozxing.Reader
	hints  map[gozxing.DecodeHintType]interface{}
	gray   []byte // luma of frames that are not YCbCr or Gray
	half   [2][]byte
}

// NewReader returns a Reader.
func NewReader() *Reader {
	return &Reader{
		multi:  multiqr.NewQRCodeMultiReader().(*multiqr.QRCodeMultiReader),
		single: qrcode.NewQRCodeReader(),
		hints: map[gozxing.DecodeHintType]interface{}{
			gozxing.DecodeHintType_TRY_HARDER: true,
		},
	}
}

// Read returns the texts of the QR codes found in img, in no particular
// order. It returns an empty slice and a nil error when there is none; an
// error means the frame could not be processed at all.
//
// The first pass looks at the frame's luma at full resolution (halved until
// it is at most MaxWidth wide); if it finds nothing and that is at least
// MinSecondPassWidth wide, a second pass looks at a copy at half that
// resolution.
func (r *Reader) Read(img image.Image) ([]string, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, errors.New("qr: empty frame")
	}
	l := r.luma(img)
	for l.w > MaxWidth {
		l = r.halve(l)
	}
	texts, err := r.scan(l)
	if err != nil || len(texts) > 0 || l.w < MinSecondPassWidth {
		return texts, err
	}
	return r.scan(r.halve(l))
}

// scan looks for codes in one luma plane: several at once with the multi
// reader, then, if it finds none, the single-code reader, whose detector is
// more tolerant of a distorted code.
func (r *Reader) scan(l luma) ([]string, error) {
	src, err := gozxing.NewPlanarYUVLuminanceSource(l.pix, l.stride, l.h, 0, 0, l.w, l.h, false)
	if err != nil {
		return nil, fmt.Errorf("qr: wrapping the frame for gozxing: %w", err)
	}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return nil, fmt.Errorf("qr: binarising the frame: %w", err)
	}
	results, err := r.multi.DecodeMultiple(bmp, r.hints)
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("qr: detecting codes: %w", err)
	}
	texts := []string{}
	for _, res := range results {
		texts = appendUnique(texts, res.GetText())
	}
	if len(texts) > 0 {
		return texts, nil
	}
	res, err := r.single.Decode(bmp, r.hints)
	if err != nil {
		if isNotFound(err) {
			return texts, nil
		}
		return nil, fmt.Errorf("qr: decoding a code: %w", err)
	}
	return append(texts, res.GetText()), nil
}

// isNotFound reports whether err only means that no readable code was
// found (not found, or found but failing its checksum or format).
func isNotFound(err error) bool {
	var re gozxing.ReaderException
	return errors.As(err, &re)
}

// appendUnique appends s unless texts already holds it.
func appendUnique(texts []string, s string) []string {
	for _, t := range texts {
		if t == s {
			return texts
		}
	}
	return append(texts, s)
}
