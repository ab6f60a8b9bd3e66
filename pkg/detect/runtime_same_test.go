package detect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// otherLibraryEnv names a second ONNX Runtime library (another release) that
// TestDetectSameAcrossRuntimes compares the loaded one with.
const otherLibraryEnv = "NVR_DETECT_OTHER_LIB"

// sharedPhotos are the photos in shared/testdata/images.
var sharedPhotos = []string{"dog.jpg", "kite_and_cold.jpg", "cat.bmp", "grace_hopper.bmp"}

// photoResult is what Open's detector makes of one photo: a hash of the model's raw output bits
// and the detections.
type photoResult struct {
	Runtime    string
	OutputHash uint64
	Detections []Detection
}

// runtimeResults runs Open's detector (2 threads) on every shared photo.
func runtimeResults(t *testing.T) map[string]photoResult {
	d := openTest(t, Options{Threads: 2})
	out := map[string]photoResult{}
	for _, name := range sharedPhotos {
		img := loadImage(t, name)
		dets, err := d.Detect(img)
		if err != nil {
			t.Fatal(err)
		}
		h := fnv.New64a()
		var b [4]byte
		for _, v := range d.eng.output() {
			u := math.Float32bits(v)
			b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
			h.Write(b[:])
		}
		out[name] = photoResult{ort.GetVersion(), h.Sum64(), dets}
	}
	return out
}

// TestDetectSameAcrossRuntimes: the ONNX Runtime release loaded here (lib/, or
// $NVR_ONNXRUNTIME_LIB) and the one named by $NVR_DETECT_OTHER_LIB (default lib/compare/, the 1.24.1
// the project used before), each with the session options Open chooses for it, give the same model output bit
// for bit and the same detections on the shared photos. A process loads one runtime only, so the
// other runs in a child test process.
func TestDetectSameAcrossRuntimes(t *testing.T) {
	if os.Getenv("NVR_DETECT_DUMP_RESULTS") == "1" {
		json.NewEncoder(os.Stdout).Encode(runtimeResults(t))
		return
	}
	other := os.Getenv(otherLibraryEnv)
	if other == "" {
		// make test provisions the older release here (scripts/setup-onnxruntime --compare-runtime).
		p, _ := filepath.Abs("../../lib/compare/libonnxruntime.so.1")
		if _, err := os.Stat(p); err != nil {
			testskip.Skip(t, "no second ONNX Runtime library to compare with (lib/compare/libonnxruntime.so.1, or "+otherLibraryEnv+")",
				"run scripts/setup-onnxruntime --compare-runtime, or set "+otherLibraryEnv+" to another release's libonnxruntime.so.1")
		}
		other = p
	}
	here := runtimeResults(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestDetectSameAcrossRuntimes$", "-test.count=1")
	cmd.Env = append(os.Environ(), "NVR_DETECT_DUMP_RESULTS=1", LibraryEnv+"="+other)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("the child test on %s failed: %v\n%s%s", other, err, raw, stderr.Bytes())
	}
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	var there map[string]photoResult
	if err := json.Unmarshal(line, &there); err != nil {
		t.Fatalf("the child test on %s printed no results: %v\n%s", other, err, raw)
	}
	for _, name := range sharedPhotos {
		a, b := here[name], there[name]
		if a.Runtime == b.Runtime {
			t.Fatalf("both sides loaded ONNX Runtime %s: %s is not another release", a.Runtime, other)
		}
		if a.OutputHash != b.OutputHash {
			t.Errorf("%s: the model's output on ONNX Runtime %s differs from %s's", name, a.Runtime, b.Runtime)
		}
		if fmt.Sprint(a.Detections) != fmt.Sprint(b.Detections) {
			t.Errorf("%s: ONNX Runtime %s finds%s\nONNX Runtime %s finds%s", name, a.Runtime, describe(a.Detections), b.Runtime, describe(b.Detections))
		}
	}
	t.Logf("ONNX Runtime %s and %s: same output on %d photos", here[sharedPhotos[0]].Runtime, there[sharedPhotos[0]].Runtime, len(sharedPhotos))
}
