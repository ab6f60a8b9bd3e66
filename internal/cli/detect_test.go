package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/pkg/detect"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// runNvrd runs the nvrd command tree in-process and returns its standard output.
func runNvrd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := NewRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// detectTestFiles returns the shared model and dog.jpg, and points nvrd at the ONNX
// Runtime that scripts/setup-onnxruntime installed in the repository's lib/.
func detectTestFiles(t *testing.T) (model, dog string) {
	t.Helper()
	model = "../../../shared/models/yolox_nano.onnx"
	dog = "../../../shared/testdata/images/dog.jpg"
	for _, p := range []string{model, dog} {
		if _, err := os.Stat(p); err != nil {
			testskip.Skip(t, fmt.Sprintf("%s is not there: %v", p, err), "put the shared/ directory beside the repository (../shared)")
		}
	}
	if os.Getenv(detect.LibraryEnv) == "" {
		if lib, err := filepath.Abs("../../lib/libonnxruntime.so.1"); err == nil {
			if _, err := os.Stat(lib); err == nil {
				t.Setenv(detect.LibraryEnv, lib)
			}
		}
	}
	return model, dog
}

func TestDetectCommandJSON(t *testing.T) {
	model, dog := detectTestFiles(t)
	out, err := runNvrd(t, "detect", "--model", model, "--threads", "1", dog, dog)
	if errors.Is(err, detect.ErrUnavailable) {
		testskip.Skip(t, err.Error(), "run make setup (scripts/setup-onnxruntime)")
	}
	if err != nil {
		t.Fatalf("nvrd detect: %v\n%s", err, out)
	}
	// Decode into generic values to check the exact field names of the interface.
	var results []map[string]any
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatalf("the output is not a JSON array of objects: %v\n%s", err, out)
	}
	if len(results) != 2 {
		t.Fatalf("%d results for 2 images:\n%s", len(results), out)
	}
	r := results[0]
	for _, k := range []string{"image", "width", "height", "detections"} {
		if _, ok := r[k]; !ok {
			t.Errorf("result has no %q field: %v", k, r)
		}
	}
	if r["image"] != dog || r["width"] != 768.0 || r["height"] != 576.0 {
		t.Errorf("image, width, height = %v, %v, %v; want %s, 768, 576", r["image"], r["width"], r["height"], dog)
	}
	dets, ok := r["detections"].([]any)
	if !ok || len(dets) < 3 {
		t.Fatalf("detections = %v, want at least a dog, a bicycle and a car or truck", r["detections"])
	}
	labels := map[string]bool{}
	for _, d := range dets {
		m := d.(map[string]any)
		if len(m) != 3 {
			t.Errorf("a detection has fields %v, want exactly label, score and box", m)
		}
		label, _ := m["label"].(string)
		score, _ := m["score"].(float64)
		box, _ := m["box"].([]any)
		labels[label] = true
		if score < 0.3 || score > 1 {
			t.Errorf("%s score %v", label, m["score"])
		}
		if len(box) != 4 {
			t.Fatalf("%s box %v has %d numbers, want 4", label, m["box"], len(box))
		}
		x1, y1, x2, y2 := box[0].(float64), box[1].(float64), box[2].(float64), box[3].(float64)
		if x1 < 0 || y1 < 0 || x2 > 768 || y2 > 576 || x2 <= x1 || y2 <= y1 {
			t.Errorf("%s box %v is not inside the 768x576 image", label, box)
		}
	}
	if !labels["dog"] || !labels["bicycle"] || !(labels["car"] || labels["truck"]) {
		t.Errorf("labels %v, want dog, bicycle and car or truck", labels)
	}
}

func TestDetectCommandErrors(t *testing.T) {
	model, dog := detectTestFiles(t)
	if _, err := runNvrd(t, "detect", "--model", model); err == nil {
		t.Error("nvrd detect without an image succeeded")
	}
	missing := filepath.Join(t.TempDir(), "nothing.jpg")
	_, err := runNvrd(t, "detect", "--model", model, missing)
	if err == nil || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), "\n") {
		t.Errorf("a missing image: %v, want one line naming %s", err, missing)
	}
	text := filepath.Join(t.TempDir(), "notes.jpg")
	os.WriteFile(text, []byte("hello"), 0o644)
	if _, err := runNvrd(t, "detect", "--model", model, text); err == nil || !strings.Contains(err.Error(), "not a JPEG, PNG or BMP image") {
		t.Errorf("a file that is no image: %v", err)
	}
	noModel := filepath.Join(t.TempDir(), "none.onnx")
	_, err = runNvrd(t, "detect", "--model", noModel, dog)
	if !errors.Is(err, detect.ErrUnavailable) || !strings.Contains(err.Error(), noModel) {
		t.Errorf("a missing model: %v, want ErrUnavailable naming %s", err, noModel)
	}
}

func TestDefaultModelPath(t *testing.T) {
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	want := filepath.Join(filepath.Dir(filepath.Dir(exe)), "models", "yolox_nano.onnx")
	if got := defaultModelPath(); got != want {
		t.Errorf("defaultModelPath() = %s, want %s", got, want)
	}
}
