package motion

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
)

// decodeStd decodes data with image/jpeg, for the files the fast decoder
// does not handle, and returns its luma as a plane. Unlike the fast path it
// allocates a full-size image per call. dst is used for images that are not
// YCbCr or Gray.
func decodeStd(data []byte, dst *plane) (*plane, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("%d×%d frame is larger than the %d pixels supported", cfg.Width, cfg.Height, maxPixels)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return lumaOf(img, dst), nil
}

// lumaOf returns the luma of img as a plane, without copying for YCbCr and
// Gray images. Other images are converted into dst.
func lumaOf(img image.Image, dst *plane) *plane {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		return &plane{Pix: m.Y[m.YOffset(b.Min.X, b.Min.Y):], W: b.Dx(), H: b.Dy(), Stride: m.YStride}
	case *image.Gray:
		return &plane{Pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], W: b.Dx(), H: b.Dy(), Stride: m.Stride}
	}
	dst.resize(b.Dx(), b.Dy())
	for y := 0; y < b.Dy(); y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := 0; x < b.Dx(); x++ {
			row[x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
		}
	}
	return dst
}
