package detect

import (
	"fmt"
	"math"
	"strings"
)

// gridLevel is one YOLOX output level: a w×h grid of anchors, stride input pixels apart.
type gridLevel struct {
	stride, w, h int
}

// strideSets are the level strides of the YOLOX variants: P3-P5, and P3-P6.
var strideSets = [][]int{{8, 16, 32}, {8, 16, 32, 64}}

// gridLevels derives the output grids of a YOLOX model from its input size and checks
// them against the number of anchors the model outputs.
func gridLevels(inW, inH, anchors int) ([]gridLevel, error) {
	var counts []string
	for _, strides := range strideSets {
		var levels []gridLevel
		n := 0
		for _, s := range strides {
			l := gridLevel{stride: s, w: (inW + s - 1) / s, h: (inH + s - 1) / s}
			levels = append(levels, l)
			n += l.w * l.h
		}
		if n == anchors {
			return levels, nil
		}
		counts = append(counts, fmt.Sprintf("%d with strides %v", n, strides))
	}
	return nil, fmt.Errorf("its output has %d anchors, but a YOLOX model with a %dx%d input has %s; it does not look like a YOLOX model",
		anchors, inW, inH, strings.Join(counts, " or "))
}

// candidate is a detection before NMS: a box (x1, y1, x2, y2), its score and class id.
type candidate struct {
	box   [4]float64
	score float32
	class int
}

// decodeYOLOX turns the raw YOLOX output [anchors, 5+classes] into boxes in model-input
// pixels, keeping for each anchor its best class if objectness × class score reaches
// minScore. Per anchor the row is cx, cy, w, h (grid-relative, log-scale sizes),
// objectness and the class scores, both already passed through a sigmoid.
func decodeYOLOX(out []float32, classes int, levels []gridLevel, minScore float32) []candidate {
	row := 5 + classes
	// A box many times the input is a broken output, not an object; so is NaN or infinity.
	limit := 0.0
	for _, l := range levels {
		limit = max(limit, 4*float64(l.stride*max(l.w, l.h)))
	}
	var cands []candidate
	i := 0
	for _, l := range levels {
		s := float64(l.stride)
		for gy := range l.h {
			for gx := range l.w {
				r := out[i*row : (i+1)*row]
				i++
				obj := r[4]
				if !(obj >= minScore) { // class scores are at most 1; NaN fails too
					continue
				}
				best, bestScore := 0, r[5]
				for c, v := range r[6:] {
					if v > bestScore {
						best, bestScore = c+1, v
					}
				}
				score := obj * bestScore
				if !(score >= minScore) || score > 1 {
					continue
				}
				cx := (float64(r[0]) + float64(gx)) * s
				cy := (float64(r[1]) + float64(gy)) * s
				w := math.Exp(float64(r[2])) * s
				h := math.Exp(float64(r[3])) * s
				if !finite(cx) || !finite(cy) || !(w <= limit) || !(h <= limit) {
					continue
				}
				cands = append(cands, candidate{
					box:   [4]float64{cx - w/2, cy - h/2, cx + w/2, cy + h/2},
					score: score,
					class: best,
				})
			}
		}
	}
	return cands
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
