package testcam

import (
	"fmt"
	"slices"
)

// AUFacts is what CheckAUs (H.264) or CheckHEVCAUs found in a run of video PES packets.
type AUFacts struct {
	Pictures, Keyframes int
	ExplicitDTS         int // PES with a DTS field (mpegtsmux leaves it out when it equals the PTS)
	MaxSlices           int // slices in the most-sliced picture
}

// CheckAUs checks the worker's promise for H.264 (docs/design.md, "Access units and timestamps"): every
// video PES is one whole picture (its first slice starts the picture, no other slice does, no SPS/PPS
// after the first slice), has a PTS, and the decode times (the DTS, or the PTS when the DTS is left
// out) never go back and never pass the PTS.
func CheckAUs(pes []PES) (AUFacts, error) { return checkAUs(pes, false) }

// CheckHEVCAUs is CheckAUs for H.265: every video PES is one whole picture (its first slice segment
// has first_slice_segment_in_pic_flag set, no other does, no VPS/SPS/PPS after the first slice
// segment), with the same timestamp rules; keyframes are IRAP pictures.
func CheckHEVCAUs(pes []PES) (AUFacts, error) { return checkAUs(pes, true) }

func checkAUs(pes []PES, h265 bool) (AUFacts, error) {
	var f AUFacts
	lastDTS := int64(-1)
	for i, p := range pes {
		if p.PTS < 0 {
			return f, fmt.Errorf("video PES %d of %d has no PTS", i, len(pes))
		}
		dts := p.DTS
		if dts >= 0 {
			f.ExplicitDTS++
		} else {
			dts = p.PTS
		}
		if dts > p.PTS {
			return f, fmt.Errorf("video PES %d: DTS %d after PTS %d", i, dts, p.PTS)
		}
		if dts < lastDTS {
			return f, fmt.Errorf("video PES %d: DTS %d goes back from %d (PTS %d, DTS field present %v)", i, dts, lastDTS, p.PTS, p.DTS >= 0)
		}
		lastDTS = dts
		slices, starts, key := 0, 0, false
		for _, n := range NALUs(p.Data) {
			if len(n) == 0 {
				continue
			}
			switch {
			case isParamSet(n, h265):
				if slices > 0 {
					return f, fmt.Errorf("video PES %d: a parameter set after a slice of the picture", i)
				}
			case IsSliceOf(n, h265):
				if firstSlice(n, h265) {
					starts++
				} else if slices == 0 {
					return f, fmt.Errorf("video PES %d starts with a slice from the middle of a picture", i)
				}
				slices++
				key = key || isKeySlice(n, h265)
			}
		}
		if slices == 0 {
			return f, fmt.Errorf("video PES %d holds no slice", i)
		}
		if starts != 1 {
			return f, fmt.Errorf("video PES %d holds %d pictures, want 1", i, starts)
		}
		f.Pictures++
		if key {
			f.Keyframes++
		}
		f.MaxSlices = max(f.MaxSlices, slices)
	}
	return f, nil
}

// PresentationGaps returns the smallest and largest step between consecutive presentation times of
// pes (sorted by PTS), in 90 kHz units: for a camera at a steady frame rate both are about 90000/fps.
func PresentationGaps(pes []PES) (lo, hi int64) {
	pts := make([]int64, 0, len(pes))
	for _, p := range pes {
		pts = append(pts, p.PTS)
	}
	slices.Sort(pts)
	lo = -1
	for i := 1; i < len(pts); i++ {
		d := pts[i] - pts[i-1]
		if lo < 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
	}
	return lo, hi
}
