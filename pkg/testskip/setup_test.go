package testskip

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSetupFailsLoudlyUnderCI runs scripts/setup with an ONNX Runtime that cannot be installed (a library
// path that does not exist): under CI=true setup must fail, without CI it only warns.
func TestSetupFailsLoudlyUnderCI(t *testing.T) {
	if _, err := os.Stat("../../scripts/setup"); err != nil {
		t.Fatal(err)
	}
	for _, ci := range []string{"true", ""} {
		cmd := exec.Command("../../scripts/setup")
		cmd.Env = append(os.Environ(), "CI="+ci, "NVR_ONNXRUNTIME_LIB=/nonexistent/libonnxruntime.so")
		out, err := cmd.CombinedOutput()
		if ci == "true" && (err == nil || !strings.Contains(string(out), "setup: error: CI=true")) {
			t.Errorf("CI=true: setup exited with %v, want a failure saying why:\n%s", err, out)
		}
		if ci == "" && (err != nil || !strings.Contains(string(out), "setup: warning: object detection runtime not installed")) {
			t.Errorf("without CI: setup exited with %v, want success with a warning:\n%s", err, out)
		}
	}
}
