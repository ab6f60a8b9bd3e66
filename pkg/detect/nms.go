package detect

// nms keeps, per class, the best-scoring boxes and drops every box of the same class that
// overlaps a kept one by more than iouMax (intersection over union). The result is
// sorted best score first. Boxes of different classes never suppress each other.
// cands is reordered in place.
func nms(cands []candidate, iouMax float64) []candidate {
	sortByScore(cands)
	kept := make([]candidate, 0, len(cands))
	for _, c := range cands {
		keep := true
		for _, k := range kept {
			if k.class == c.class && iou(k.box, c.box) > iouMax {
				keep = false
				break
			}
		}
		if keep {
			kept = append(kept, c)
		}
	}
	return kept
}

// iou is the intersection over union of two boxes x1, y1, x2, y2; 0 when either is empty.
func iou(a, b [4]float64) float64 {
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

func area(b [4]float64) float64 {
	w, h := b[2]-b[0], b[3]-b[1]
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}
