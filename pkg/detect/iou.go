package detect

// IoU is the intersection over union of two boxes (x1, y1, x2, y2): 0 when they do not
// overlap or either is empty, 1 when they are the same. It is the overlap measure of NMS
// here and of the event engine's object tracker, so both agree on what "the same box" is.
func IoU(a, b [4]float64) float64 {
	ix := min(a[2], b[2]) - max(a[0], b[0])
	iy := min(a[3], b[3]) - max(a[1], b[1])
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	union := area(a) + area(b) - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// area is a box's area; 0 when it is empty or inverted.
func area(b [4]float64) float64 {
	w, h := b[2]-b[0], b[3]-b[1]
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}
