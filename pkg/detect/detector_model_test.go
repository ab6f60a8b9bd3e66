package detect

import (
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/pkg/testskip"
)

func TestCheckModel(t *testing.T) {
	img := tensorInfo{name: "images", kind: "float32 tensor", float: true, dims: []int64{1, 3, 416, 416}}
	out := func(dims ...int64) tensorInfo {
		return tensorInfo{name: "output", kind: "float32 tensor", float: true, dims: dims}
	}
	m, err := checkModel([]tensorInfo{img}, []tensorInfo{out(1, 3549, 85)}, 80)
	if err != nil {
		t.Fatalf("YOLOX-Nano's shapes: %v", err)
	}
	if m.inW != 416 || m.inH != 416 || m.anchors != 3549 || m.classes != 80 || len(m.levels) != 3 ||
		m.inputName != "images" || m.outputName != "output" {
		t.Errorf("checkModel = %+v", m)
	}
	// Open dimensions are filled from the input size and the labels.
	m, err = checkModel([]tensorInfo{{name: "images", kind: "float32 tensor", float: true, dims: []int64{-1, 3, 384, 640}}},
		[]tensorInfo{out(-1, -1, -1)}, 7)
	if err != nil || m.anchors != 5040 || m.classes != 7 || m.inW != 640 || m.inH != 384 {
		t.Errorf("open dimensions: %+v, %v", m, err)
	}

	bad := []struct {
		name      string
		ins, outs []tensorInfo
		want      []string
	}{
		{"two inputs", []tensorInfo{img, img}, []tensorInfo{out(1, 3549, 85)}, []string{"2 inputs"}},
		{"grey input", []tensorInfo{{name: "images", kind: "float32 tensor", float: true, dims: []int64{1, 1, 416, 416}}},
			[]tensorInfo{out(1, 3549, 85)}, []string{"[1 1 416 416]", "[1 3 height width]"}},
		{"uint8 input", []tensorInfo{{name: "images", kind: "uint8 tensor", dims: []int64{1, 3, 416, 416}}},
			[]tensorInfo{out(1, 3549, 85)}, []string{"uint8 tensor"}},
		{"open input size", []tensorInfo{{name: "images", kind: "float32 tensor", float: true, dims: []int64{1, 3, -1, -1}}},
			[]tensorInfo{out(1, 3549, 85)}, []string{"fixed input size"}},
		{"no output", []tensorInfo{img}, nil, []string{"no output"}},
		{"image output", []tensorInfo{img}, []tensorInfo{out(1, 3, 416, 416)}, []string{"[1 3 416 416]", "[1 3549 85]"}},
		{"transposed output", []tensorInfo{img}, []tensorInfo{out(1, 85, 3549)}, []string{"[1 85 3549]", "85 anchors", "3549"}},
		{"too few columns", []tensorInfo{img}, []tensorInfo{out(1, 3549, 4)}, []string{"[1 3549 4]", "[1 3549 85]"}},
		{"640 output for 416 input", []tensorInfo{img}, []tensorInfo{out(1, 8400, 85)}, []string{"[1 8400 85]", "8400 anchors"}},
	}
	for _, c := range bad {
		_, err := checkModel(c.ins, c.outs, 80)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
}

// openExpectingError opens a detector that must fail, skipping the test when ONNX
// Runtime itself is missing.
func openExpectingError(t *testing.T, opt Options) error {
	t.Helper()
	if opt.LibraryPath == "" {
		opt.LibraryPath = testLibrary()
	}
	d, err := Open(opt)
	if err == nil {
		d.Close()
		t.Fatalf("Open(%+v) succeeded, want an error", opt)
	}
	if errors.Is(err, ErrUnavailable) && strings.Contains(err.Error(), "ONNX Runtime") {
		testskip.Skip(t, err.Error(), "run make setup (scripts/setup-onnxruntime)")
	}
	return err
}

func TestOpenRejectsWrongOutputShape(t *testing.T) {
	model := writeModel(t, identityModel(), strings.Fields(strings.Repeat("x ", 80))...)
	err := openExpectingError(t, Options{ModelPath: model})
	for _, w := range []string{model, "not a YOLOX detector", "[1 3 32 32]", "[1 21 85]"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	t.Log(err)
}

func TestOpenRejectsLabelCountMismatch(t *testing.T) {
	model := writeModel(t, constantYOLOX(2, make([]float32, 21*7)), "a", "b", "c")
	err := openExpectingError(t, Options{ModelPath: model})
	for _, w := range []string{"2 classes", "names 3", "labels.txt"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestOpenRejectsNonONNX(t *testing.T) {
	model := writeModel(t, []byte("this is not a model"), "a")
	err := openExpectingError(t, Options{ModelPath: model})
	if !strings.Contains(err.Error(), "cannot load the model") {
		t.Errorf("error %q does not say the model cannot be loaded", err)
	}
}

// TestDetectSyntheticModel runs the whole path (letterbox, session, decode, NMS, mapping
// back and clamping) on a model whose output is known exactly.
func TestDetectSyntheticModel(t *testing.T) {
	const classes = 2
	raw := make([]float32, 21*(5+classes))
	set := func(i int, v ...float32) { copy(raw[i*(5+classes):], v) }
	// Stride 8, grid x=1 y=1 (anchor 5): centre 12,12, 8x16 -> [8 4 16 20], class b, 0.9*0.8.
	set(5, 0.5, 0.5, 0, float32(math.Log(2)), 0.9, 0.1, 0.8)
	// Anchor 6 nearly the same box, weaker: removed by NMS.
	set(6, -0.4, 0.5, 0, float32(math.Log(2)), 0.8, 0.1, 0.8)
	// Stride 16, grid x=0 y=1 (anchor 18): [6 22 10 26], entirely in the padding below a
	// 64x32 image (16 input rows): empty after clamping, dropped.
	set(18, 0.5, 0.5, float32(math.Log(0.25)), float32(math.Log(0.25)), 0.95, 0.99, 0)
	// Stride 32 (anchor 20): below MinScore.
	set(20, 0.5, 0.5, 0, 0, 0.3, 0.9, 0.1)
	model := writeModel(t, constantYOLOX(classes, raw), "a", "b")
	d := openTest(t, Options{ModelPath: model})
	if got := d.Labels(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("Labels() = %v", got)
	}
	// 64x32 into 32x32: scale 0.5, so source = input x 2, and the image covers input rows 0..15.
	dets, err := d.Detect(image.NewRGBA(image.Rect(0, 0, 64, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) != 1 {
		t.Fatalf("got %d detections, want 1: %+v", len(dets), dets)
	}
	want := Detection{Label: "b", Score: 0.72, Box: [4]float64{16, 8, 32, 32}}
	g := dets[0]
	if g.Label != want.Label || g.Score != want.Score || g.Box != want.Box {
		t.Errorf("got %+v, want %+v", g, want)
	}
	if _, err := d.Detect(image.NewRGBA(image.Rect(0, 0, 0, 10))); err == nil {
		t.Error("an empty image was accepted")
	}
}

func TestReadLabels(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := readLabels(write("ok.txt", "person\r\n traffic light \ncat\n\n\n"))
	if err != nil || len(got) != 3 || got[1] != "traffic light" || got[2] != "cat" {
		t.Errorf("readLabels = %q, %v", got, err)
	}
	if _, err := readLabels(write("gap.txt", "a\n\nb\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a blank line between names: %v, want an error naming line 2", err)
	}
	if _, err := readLabels(write("empty.txt", "\n")); err == nil || !strings.Contains(err.Error(), "no class") {
		t.Errorf("an empty labels file: %v", err)
	}
	if _, err := readLabels(filepath.Join(dir, "missing.txt")); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("a missing labels file: %v", err)
	}
}

func TestFindLabels(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.onnx")
	if _, err := findLabels(model, ""); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), dir) {
		t.Errorf("no labels beside the model: %v, want ErrUnavailable naming %s", err, dir)
	}
	os.WriteFile(filepath.Join(dir, "labels.txt"), []byte("a\n"), 0o644)
	if p, _ := findLabels(model, ""); filepath.Base(p) != "labels.txt" {
		t.Errorf("findLabels = %s, want labels.txt", p)
	}
	os.WriteFile(filepath.Join(dir, "coco80.txt"), []byte("a\n"), 0o644)
	if p, _ := findLabels(model, ""); filepath.Base(p) != "coco80.txt" {
		t.Errorf("findLabels = %s, want coco80.txt first", p)
	}
	if p, _ := findLabels(model, "/x/mine.txt"); p != "/x/mine.txt" {
		t.Errorf("findLabels with a given file = %s", p)
	}
}
