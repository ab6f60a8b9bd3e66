package detect

import (
	"slices"
	"testing"
)

// yoloxFocus is YOLOX's Focus order on a 416 input: patches top-left, bottom-left, top-right,
// bottom-right, each with planes 0..2.
func yoloxFocus(w, h int) spaceToDepth {
	s := spaceToDepth{w: w, h: h}
	for _, p := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		for c := range 3 {
			s.src = append(s.src, struct{ c, dy, dx int }{c, p[0], p[1]})
		}
	}
	s.withPairs()
	return s
}

// focusRef is the space-to-depth copy written the plain way.
func focusRef(s spaceToDepth, out, in []float32) {
	ow, oh := s.w/2, s.h/2
	for k, src := range s.src {
		for y := range oh {
			for x := range ow {
				out[k*ow*oh+y*ow+x] = in[src.c*s.w*s.h+(2*y+src.dy)*s.w+2*x+src.dx]
			}
		}
	}
}

// TestSpaceToDepth: apply copies what the plain loop copies, and a map built from that copy is
// recognised as the same space-to-depth by asSpaceToDepth; a shuffled map is not.
func TestSpaceToDepth(t *testing.T) {
	s := yoloxFocus(416, 416)
	in := make([]float32, 3*416*416)
	for i := range in {
		in[i] = float32(i)
	}
	got := make([]float32, len(in))
	want := make([]float32, len(in))
	s.apply(got, in, 416)
	focusRef(s, want, in)
	if !slices.Equal(got, want) {
		t.Fatal("apply differs from the plain copy")
	}
	// Only the rows that changed: rows 0..234 of the input make output rows 0..117.
	for i := range in {
		in[i] = -in[i]
	}
	s.apply(got, in, 235)
	focusRef(s, want, in)
	for k := range 12 {
		for y := range 208 {
			for x := range 208 {
				i := k*208*208 + y*208 + x
				if y < 118 && got[i] != want[i] || y >= 118 && got[i] != -want[i] {
					t.Fatalf("channel %d row %d column %d: %g (the new input gives %g)", k, y, x, got[i], want[i])
				}
			}
		}
	}
	focusRef(s, want, in)
	for i := range in {
		in[i] = float32(i)
	}
	focusRef(s, want, in)
	m, err := focusMap(want, len(in))
	if err != nil {
		t.Fatal(err)
	}
	r, ok := asSpaceToDepth(m, 3, 416, 416)
	if !ok || !slices.Equal(r.src, s.src) {
		t.Fatalf("not recognised: %v %v", ok, r.src)
	}
	m[5], m[6] = m[6], m[5]
	if _, ok := asSpaceToDepth(m, 3, 416, 416); ok {
		t.Error("a map with two elements swapped was taken for a space-to-depth")
	}
	if _, err := focusMap([]float32{0.5}, 10); err == nil {
		t.Error("a fractional index was accepted")
	}
}

func BenchmarkSpaceToDepth(b *testing.B) {
	s := yoloxFocus(416, 416)
	in := make([]float32, 3*416*416)
	out := make([]float32, len(in))
	for b.Loop() {
		s.apply(out, in, 416)
	}
}
