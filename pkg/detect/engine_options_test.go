package detect

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
)

// TestTuningForVersion: Open fuses SiLU into QuickGelu from ONNX Runtime 1.27 on and keeps it
// unfused before (and when the version cannot be read); a tuning not chosen by version is left
// as it is.
func TestTuningForVersion(t *testing.T) {
	for v, wantDisable := range map[string]string{
		"1.24.1": "QuickGeluFusion", "1.26.0": "QuickGeluFusion", "1.27.0": "", "1.27": "",
		"1.28.1": "", "2.0.0": "", "": "QuickGeluFusion", "x.y": "QuickGeluFusion", "0.30.0": "QuickGeluFusion",
	} {
		got := engineTuning.forVersion(v)
		if got.disable != wantDisable {
			t.Errorf("ONNX Runtime %q: disabled optimizers %q, want %q", v, got.disable, wantDisable)
		}
		if got.byVersion {
			t.Errorf("ONNX Runtime %q: the resolved tuning still says byVersion", v)
		}
	}
	fixed := sessionTuning{disable: "QuickGeluFusion", spin: true}
	if got := fixed.forVersion("1.27.0"); got != fixed {
		t.Errorf("a fixed tuning was changed by forVersion: %+v", got)
	}
}

// graphCounts are how often names occur in the optimised graph ONNX Runtime writes for t.
func graphCounts(t *testing.T, tun sessionTuning) (nchwc, reorders int, quickGelu bool) {
	t.Helper()
	tun.dumpOptimized = filepath.Join(t.TempDir(), "optimized.onnx")
	openTuned(t, tun, 2)
	data, err := os.ReadFile(tun.dumpOptimized)
	if err != nil {
		t.Fatalf("ONNX Runtime wrote no optimised model: %v", err)
	}
	return bytes.Count(data, []byte("com.microsoft.nchwc")), bytes.Count(data, []byte("Reorder")),
		bytes.Contains(data, []byte("QuickGelu"))
}

// TestOpenKeepsNCHWc: the graph Open's session runs (ONNX Runtime's optimised model, dumped) is
// in the NCHWc layout and reorders in and out of it no more than the graph with SiLU left as
// Sigmoid and Mul (on ONNX Runtime 1.24 the fused QuickGelu took 12 times as many reorders), and
// has QuickGelu exactly when the runtime's version calls for it.
func TestOpenKeepsNCHWc(t *testing.T) {
	refNCHWc, refReorders, _ := graphCounts(t, sessionTuning{disable: "QuickGeluFusion"})
	if refNCHWc == 0 {
		t.Fatal("even the unfused graph is not in the NCHWc layout")
	}
	nchwc, reorders, gelu := graphCounts(t, engineTuning)
	if nchwc < refNCHWc {
		t.Errorf("Open's graph names the NCHWc domain %d times, the unfused one %d: part of it left the NCHWc layout", nchwc, refNCHWc)
	}
	if reorders > refReorders {
		t.Errorf("Open's graph has %d NCHWc reorders, the unfused one %d: activations leave the layout", reorders, refReorders)
	}
	if want := versionAtLeast(ort.GetVersion(), quickGeluFrom); gelu != want {
		t.Errorf("ONNX Runtime %s: QuickGelu in Open's graph is %v, want %v", ort.GetVersion(), gelu, want)
	}
}
