package detect

import (
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	"os"
	"path/filepath"
	"testing"

	_ "golang.org/x/image/bmp"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// sharedDir is the shared test material beside the repository checkout.
const sharedDir = "../../../shared"

// testModel returns the YOLOX-Nano model from shared/models, or skips the test.
func testModel(t testing.TB) string {
	t.Helper()
	p := filepath.Join(sharedDir, "models", "yolox_nano.onnx")
	if _, err := os.Stat(p); err != nil {
		testskip.Skip(t, fmt.Sprintf("the test model %s is not there: %v", p, err), "put the shared/ directory beside the repository (../shared)")
	}
	return p
}

// testLibrary returns the ONNX Runtime library that scripts/setup-onnxruntime installs in
// the repository's lib/, $NVR_ONNXRUNTIME_LIB if set, or "" to let Open search.
func testLibrary() string {
	if env := os.Getenv(LibraryEnv); env != "" {
		return env
	}
	p, _ := filepath.Abs("../../lib/libonnxruntime.so.1")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// openTest opens a detector on the test model, skipping the test when ONNX Runtime is
// not installed.
func openTest(t testing.TB, opt Options) *Detector {
	t.Helper()
	if opt.ModelPath == "" {
		opt.ModelPath = testModel(t)
	}
	if opt.LibraryPath == "" {
		opt.LibraryPath = testLibrary()
	}
	d, err := Open(opt)
	if errors.Is(err, ErrUnavailable) {
		testskip.Skip(t, err.Error(), "run make setup (scripts/setup-onnxruntime)")
	}
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// loadImage decodes one of the shared test images, or skips the test.
func loadImage(t testing.TB, name string) image.Image {
	t.Helper()
	p := filepath.Join(sharedDir, "testdata", "images", name)
	f, err := os.Open(p)
	if err != nil {
		testskip.Skip(t, fmt.Sprintf("the test image %s is not there: %v", p, err), "put the shared/ directory beside the repository (../shared)")
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("decoding %s: %v", p, err)
	}
	return img
}
