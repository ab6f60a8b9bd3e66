package events

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/nvrproject/nvr/internal/store"
)

// snapshotQuality is the JPEG quality of object snapshots.
const snapshotQuality = 80

// boxesFor lists the boxes drawn on a snapshot, object own first.
func boxesFor(own int, objs []object) []store.Box {
	out := make([]store.Box, 0, len(objs))
	out = append(out, store.Box{Label: objs[own].label, Score: objs[own].score, Box: objs[own].box})
	for i, o := range objs {
		if i != own {
			out = append(out, store.Box{Label: o.label, Score: o.score, Box: o.box})
		}
	}
	return out
}

// palette colours boxes by label.
var palette = []color.RGBA{
	{255, 64, 64, 255}, {64, 220, 64, 255}, {64, 160, 255, 255}, {255, 200, 0, 255},
	{255, 64, 255, 255}, {0, 230, 230, 255}, {255, 140, 0, 255}, {160, 100, 255, 255},
}

func labelColor(label string) color.RGBA {
	h := fnv.New32a()
	h.Write([]byte(label))
	return palette[h.Sum32()%uint32(len(palette))]
}

// drawSnapshot draws the objects' boxes and labels on a copy of img and encodes it as JPEG.
func drawSnapshot(img image.Image, objs []object) ([]byte, error) {
	img = unwrap(img)
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	thick := max(2, w/400)
	face := basicfont.Face7x13
	for _, o := range objs {
		col := labelColor(o.label)
		r := image.Rect(int(o.box[0]*float64(w)), int(o.box[1]*float64(h)), int(o.box[2]*float64(w)), int(o.box[3]*float64(h)))
		strokeRect(rgba, r, thick, col)

		text := fmt.Sprintf("%s %.0f%%", o.label, o.score*100)
		tw := font.MeasureString(face, text).Ceil()
		th := face.Metrics().Height.Ceil()
		ty := r.Min.Y - th - 2 // above the box, or inside it at the top of the picture
		if ty < 0 {
			ty = r.Min.Y + thick
		}
		bg := image.Rect(r.Min.X, ty, r.Min.X+tw+6, ty+th+2).Intersect(rgba.Rect)
		draw.Draw(rgba, bg, image.NewUniform(col), image.Point{}, draw.Src)
		d := font.Drawer{Dst: rgba, Src: image.NewUniform(color.Black), Face: face,
			Dot: fixed.P(r.Min.X+3, ty+face.Metrics().Ascent.Ceil()+1)}
		d.DrawString(text)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: snapshotQuality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// strokeRect draws the outline of r, thick pixels wide, inside r.
func strokeRect(dst *image.RGBA, r image.Rectangle, thick int, col color.RGBA) {
	u := image.NewUniform(col)
	r = r.Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	t := min(thick, r.Dx()/2+1, r.Dy()/2+1)
	for _, side := range []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t),
		image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+t, r.Max.Y),
		image.Rect(r.Max.X-t, r.Min.Y, r.Max.X, r.Max.Y),
	} {
		draw.Draw(dst, side, u, image.Point{}, draw.Src)
	}
}
