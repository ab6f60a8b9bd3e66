package qr

// DecodeScale returns the reduction (1, 2, 4 or 8) at which a keyframe width pixels wide
// is at most MaxWidth wide: the size the first pass of Read works at. A caller that
// decodes JPEGs at a reduced scale (pkg/jpegscale) decodes the luma at this scale and
// hands it to Read, which then has nothing to shrink for its first pass.
func DecodeScale(width int) int {
	s := 1
	for s < 8 && (width+s-1)/s > MaxWidth {
		s *= 2
	}
	return s
}
