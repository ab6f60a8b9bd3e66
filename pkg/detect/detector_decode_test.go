package detect

import (
	"math"
	"strings"
	"testing"
)

func TestGridLevels(t *testing.T) {
	cases := []struct {
		w, h, anchors int
		wantStrides   int
	}{
		{416, 416, 3549, 3}, // YOLOX-Nano/Tiny: 52² + 26² + 13²
		{640, 640, 8400, 3}, // YOLOX-S and larger
		{640, 384, 5040, 3}, // a non-square export: 80×48 + 40×24 + 20×12
		{32, 32, 21, 3},
		{1280, 1280, 34000, 4}, // a P6 export with a stride-64 level
	}
	for _, c := range cases {
		levels, err := gridLevels(c.w, c.h, c.anchors)
		if err != nil {
			t.Errorf("%dx%d with %d anchors: %v", c.w, c.h, c.anchors, err)
			continue
		}
		if len(levels) != c.wantStrides {
			t.Errorf("%dx%d: %d levels, want %d", c.w, c.h, len(levels), c.wantStrides)
		}
		n := 0
		for _, l := range levels {
			n += l.w * l.h
		}
		if n != c.anchors {
			t.Errorf("%dx%d: levels %v hold %d anchors, want %d", c.w, c.h, levels, n, c.anchors)
		}
	}
	_, err := gridLevels(416, 416, 8400)
	if err == nil || !strings.Contains(err.Error(), "8400") || !strings.Contains(err.Error(), "3549") {
		t.Errorf("a 416 input with 8400 anchors: error %v, want one naming 8400 and 3549", err)
	}
}

// row writes one anchor's raw output.
func setRow(out []float32, classes, i int, cx, cy, w, h, obj float32, scores ...float32) {
	r := out[i*(5+classes) : (i+1)*(5+classes)]
	copy(r, []float32{cx, cy, w, h, obj})
	copy(r[5:], scores)
}

func TestDecodeYOLOX(t *testing.T) {
	const classes = 3
	levels, err := gridLevels(64, 64, 84) // 8×8 at stride 8, 4×4 at 16, 2×2 at 32
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, 84*(5+classes))
	// Stride 8, grid x=3, y=2: index 2*8+3 = 19. Centre (0.5+3)*8, (0.25+2)*8; size e^0*8, e^ln2*8.
	setRow(out, classes, 19, 0.5, 0.25, 0, float32(math.Log(2)), 0.9, 0.1, 0.8, 0.3)
	// Stride 16, grid x=1, y=3: index 64 + 3*4+1 = 77.
	setRow(out, classes, 77, 0, 0, float32(math.Log(3)), float32(math.Log(1.5)), 0.7, 0.6, 0, 0)
	// Stride 32, grid x=1, y=0: index 64 + 16 + 1 = 81; scores too low: 0.5 × 0.5 < 0.3.
	setRow(out, classes, 81, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5)
	// Low objectness, high class score: dropped.
	setRow(out, classes, 0, 0, 0, 0, 0, 0.2, 1, 1, 1)

	got := decodeYOLOX(out, classes, levels, 0.3)
	if len(got) != 2 {
		t.Fatalf("decoded %d candidates, want 2: %+v", len(got), got)
	}
	want := []candidate{
		{box: [4]float64{28 - 4, 18 - 8, 28 + 4, 18 + 8}, score: 0.9 * 0.8, class: 1},
		{box: [4]float64{16 - 24, 48 - 12, 16 + 24, 48 + 12}, score: 0.7 * 0.6, class: 0},
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.class != w.class || math.Abs(float64(g.score-w.score)) > 1e-6 {
			t.Errorf("candidate %d: class %d score %v, want class %d score %v", i, g.class, g.score, w.class, w.score)
		}
		for k := range 4 {
			if math.Abs(g.box[k]-w.box[k]) > 1e-4 {
				t.Errorf("candidate %d: box %v, want %v", i, g.box, w.box)
				break
			}
		}
	}
}

func TestDecodeYOLOXIgnoresBrokenOutput(t *testing.T) {
	const classes = 2
	levels, _ := gridLevels(32, 32, 21)
	out := make([]float32, 21*(5+classes))
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	setRow(out, classes, 0, 0, 0, 0, 0, nan, 0.9, 0.9) // NaN objectness
	setRow(out, classes, 1, 0, 0, 0, 0, 0.9, nan, nan) // NaN class scores
	setRow(out, classes, 2, nan, 0, 0, 0, 0.9, 0.9, 0) // NaN centre
	setRow(out, classes, 3, 0, 0, inf, 0, 0.9, 0.9, 0) // infinite width
	setRow(out, classes, 4, 0, 0, 100, 0, 0.9, 0.9, 0) // exp overflows
	setRow(out, classes, 5, 0, 0, 0, 0, 1.5, 0.9, 0.9) // score above 1: not a probability
	setRow(out, classes, 6, 0, 0, 0, 0, 0.9, 0.9, 0.1) // the one good row
	got := decodeYOLOX(out, classes, levels, 0.3)
	if len(got) != 1 || got[0].class != 0 {
		t.Errorf("decoded %+v, want only the good row", got)
	}
}
