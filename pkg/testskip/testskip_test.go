package testskip

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const childEnv = "NVR_TESTSKIP_CHILD"

// TestSkipFailsUnderCI runs a test that skips in a child process, with and without CI=true.
func TestSkipFailsUnderCI(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		Skip(t, "the widget is not installed", "run make setup")
		return
	}
	for _, c := range []struct {
		ci      string
		failed  bool
		message string
	}{
		{"", false, "skipping: the widget is not installed; to run it: run make setup"},
		{"false", false, "to run it: run make setup"},
		{"true", true, "CI=true, so this skip is a failure: the widget is not installed (to fix: run make setup)"},
		{"1", true, "CI=true"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSkipFailsUnderCI$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=1", "CI="+c.ci)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != c.failed {
			t.Errorf("CI=%q: failed=%v, want %v:\n%s", c.ci, failed, c.failed, out)
		}
		verdict := "--- SKIP"
		if c.failed {
			verdict = "--- FAIL"
		}
		if !strings.Contains(string(out), verdict) || !strings.Contains(string(out), c.message) {
			t.Errorf("CI=%q: want %q and %q in:\n%s", c.ci, verdict, c.message, out)
		}
	}
}
