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
			if k.class == c.class && IoU(k.box, c.box) > iouMax {
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
