package jpegscale

// Detach makes f, the Frame the Decoder's last Decode returned, the caller's for good: f
// gets an image header of its own and the Decoder lets go of its pixel buffers, so its
// next Decode allocates new ones instead of writing over f's pixels. A caller that keeps
// decoded frames (to share one decode among several readers) detaches them and keeps the
// Decoder's tables, which are most of its size, for the next JPEG.
func (d *Decoder) Detach(f Frame) Frame {
	switch f.Image {
	case &d.gray:
		g := d.gray
		f.Image = &g
	case &d.ycc:
		y := d.ycc
		f.Image = &y
	default:
		return f // a fallback decode: already the caller's
	}
	d.planes = [3][]byte{}
	return f
}
