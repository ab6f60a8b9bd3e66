package detect

import (
	"math"
	"testing"
)

func TestIoU(t *testing.T) {
	cases := []struct {
		a, b [4]float64
		want float64
	}{
		{[4]float64{0, 0, 10, 10}, [4]float64{0, 0, 10, 10}, 1},
		{[4]float64{0, 0, 10, 10}, [4]float64{10, 0, 20, 10}, 0},         // touching
		{[4]float64{0, 0, 10, 10}, [4]float64{20, 20, 30, 30}, 0},        // apart
		{[4]float64{0, 0, 10, 10}, [4]float64{5, 0, 15, 10}, 50.0 / 150}, // half overlap
		{[4]float64{0, 0, 10, 10}, [4]float64{2, 2, 8, 8}, 36.0 / 100},   // inside
		{[4]float64{0, 0, 0, 10}, [4]float64{0, 0, 10, 10}, 0},           // empty box
	}
	for _, c := range cases {
		if got := IoU(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("IoU(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := IoU(c.b, c.a); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("iou is not symmetric for %v, %v", c.a, c.b)
		}
	}
}

func TestNMS(t *testing.T) {
	box := func(x1, y1, x2, y2 float64) [4]float64 { return [4]float64{x1, y1, x2, y2} }
	in := []candidate{
		{box(0, 0, 100, 100), 0.6, 0},     // suppressed by the 0.9 box of class 0 (IoU 0.81)
		{box(5, 5, 105, 105), 0.9, 0},     // best
		{box(0, 0, 100, 100), 0.7, 1},     // another class: kept though it overlaps
		{box(60, 0, 160, 100), 0.5, 0},    // IoU with the best = 45×95/(2×10000−4275) ≈ 0.27: kept
		{box(200, 200, 220, 220), 0.3, 0}, // apart: kept
		{box(201, 201, 221, 221), 0.31, 1},
	}
	want := []candidate{in[1], in[2], in[3], in[5], in[4]}
	got := nms(append([]candidate(nil), in...), 0.45)
	if len(got) != len(want) {
		t.Fatalf("nms kept %d boxes, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("nms result %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestNMSChain(t *testing.T) {
	// A suppressed box does not suppress others: b overlaps a and c, a and c barely touch.
	a := candidate{[4]float64{0, 0, 10, 10}, 0.9, 0}
	b := candidate{[4]float64{3, 0, 13, 10}, 0.8, 0}
	c := candidate{[4]float64{8, 0, 18, 10}, 0.7, 0}
	got := nms([]candidate{c, b, a}, 0.45)
	if len(got) != 2 || got[0] != a || got[1] != c {
		t.Errorf("nms = %+v, want a and c", got)
	}
	if got := nms(nil, 0.45); len(got) != 0 {
		t.Errorf("nms(nil) = %v", got)
	}
}
