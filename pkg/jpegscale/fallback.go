package jpegscale

import (
	"bytes"
	"image"
	"image/jpeg"
)

// fallback is the package's fallback, reduced to the luma for a LumaOnly decoder.
func (d *Decoder) fallback(data []byte, minW, minH int) (Frame, error) {
	f, err := fallback(data, minW, minH)
	if m, ok := f.Image.(*image.YCbCr); ok && d.LumaOnly {
		f.Image = &image.Gray{Pix: m.Y, Stride: m.YStride, Rect: m.Rect}
	}
	return f, err
}

// fallback decodes data with image/jpeg and box-downscales YCbCr and Gray results by the
// reduction chooseScale picks.
func fallback(data []byte, minW, minH int) (Frame, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Frame{}, err
	}
	if cfg.Width*cfg.Height > MaxPixels {
		return Frame{}, ErrCorrupt
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return Frame{}, err
	}
	b := img.Bounds()
	f := Frame{Image: img, Width: b.Dx(), Height: b.Dy(), Scale: 1, Fallback: true}
	s := chooseScale(f.Width, f.Height, minW, minH)
	if s == 1 {
		return f, nil
	}
	switch m := img.(type) {
	case *image.YCbCr:
		hd, vd := ratioDivisors(m.SubsampleRatio)
		w, h := (f.Width+s-1)/s, (f.Height+s-1)/s
		out := image.NewYCbCr(image.Rect(0, 0, w, h), m.SubsampleRatio)
		boxDown(out.Y, out.YStride, (w), h, m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, f.Width, f.Height, s)
		cw, ch := (w+hd-1)/hd, (h+vd-1)/vd
		sw, sh := (b.Max.X+hd-1)/hd-b.Min.X/hd, (b.Max.Y+vd-1)/vd-b.Min.Y/vd
		co := m.COffset(b.Min.X, b.Min.Y)
		boxDown(out.Cb, out.CStride, cw, ch, m.Cb[co:], m.CStride, sw, sh, s)
		boxDown(out.Cr, out.CStride, cw, ch, m.Cr[co:], m.CStride, sw, sh, s)
		f.Image, f.Scale = out, s
	case *image.Gray:
		w, h := (f.Width+s-1)/s, (f.Height+s-1)/s
		out := image.NewGray(image.Rect(0, 0, w, h))
		boxDown(out.Pix, out.Stride, w, h, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, f.Width, f.Height, s)
		f.Image, f.Scale = out, s
	}
	return f, nil
}

// ratioDivisors returns how many luma samples share a chroma sample, across and down.
func ratioDivisors(r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

// boxDown writes into dst (w×h) the means of s×s cells of src (sw×sh); cells cut by the
// edge average the pixels they hold.
func boxDown(dst []byte, dstStride, w, h int, src []byte, srcStride, sw, sh, s int) {
	for y := range h {
		y0, y1 := y*s, min(y*s+s, sh)
		for x := range w {
			x0, x1 := x*s, min(x*s+s, sw)
			sum, cnt := 0, 0
			for yy := y0; yy < y1; yy++ {
				for _, p := range src[yy*srcStride+x0 : yy*srcStride+x1] {
					sum += int(p)
				}
				cnt += x1 - x0
			}
			if cnt > 0 {
				dst[y*dstStride+x] = byte((sum + cnt/2) / cnt)
			}
		}
	}
}
