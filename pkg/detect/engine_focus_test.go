//go:build cgo

package detect

import (
	"os"
	"testing"
)

// TestFocusCut: the YOLOX-Nano model's Focus layer is found, cut off and recognised as a 2×2
// space-to-depth in YOLOX's order (top-left, bottom-left, top-right, bottom-right patches, each
// B, G, R), and the session without it is the one Open uses. That the output stays the same bit
// for bit is TestSessionTuningsSameOutput's "prev" and "open+focus".
func TestFocusCut(t *testing.T) {
	d := openTest(t, Options{Threads: 1})
	e := d.eng.(*ortEngine)
	if e.focus == nil {
		t.Fatalf("the Focus layer was not cut off as a space-to-depth (gather map: %v)", e.gather != nil)
	}
	if len(e.inData) != 12*208*208 || len(e.stage) != 3*416*416 {
		t.Fatalf("input %d, stage %d values", len(e.inData), len(e.stage))
	}
	patches := [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} // (dy, dx)
	for k, src := range e.focus.src {
		want := patches[k/3]
		if src.c != k%3 || src.dy != want[0] || src.dx != want[1] {
			t.Errorf("channel %d takes plane %d at (dy %d, dx %d), want plane %d at %v", k, src.c, src.dy, src.dx, k%3, want)
		}
	}
}

// TestFindFocusNeedsFocus: a model without a Focus layer (the tests' own tiny one) is left
// whole, and one whose slices are also read elsewhere is not cut.
func TestFindFocusNeedsFocus(t *testing.T) {
	model, err := os.ReadFile(testModel(t))
	if err != nil {
		t.Fatal(err)
	}
	cut, ok := findFocus(model, "images")
	if !ok || cut.output == "" || len(cut.nodes) != 9 {
		t.Fatalf("YOLOX-Nano: found %v, %+v; want 8 slices and a concat", ok, cut)
	}
	if _, ok := findFocus(model, "no-such-input"); ok {
		t.Error("a cut was found from an input the model does not have")
	}
	if _, ok := findFocus([]byte("not a model"), "images"); ok {
		t.Error("a cut was found in bytes that are not a model")
	}
}
