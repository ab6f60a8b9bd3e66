package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// adminLogin is the environment that logs a check script in as the administrator startNVR made.
var adminLogin = []string{"NVR_USER=root", "NVR_PASSWORD=correct horse battery"}

// runCheck runs the browser check ui/test/SCRIPT with args (in ui/, so it finds playwright-core; env
// added to the test's own), logs its stderr and the last line it prints on stdout, and decodes that
// line (the check's JSON result) into out. It fails the test when the script fails or prints no JSON;
// it returns the script's whole stdout.
func runCheck(t *testing.T, script string, env []string, out any, args ...string) string {
	t.Helper()
	cmd := exec.Command("node", append([]string{filepath.Join(repoRoot, "ui", "test", script)}, args...)...)
	cmd.Dir = filepath.Join(repoRoot, "ui")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = testWriter{t}
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stdout)
	}
	lines := strings.Split(strings.TrimSpace(string(stdout)), "\n")
	last := lines[len(lines)-1]
	t.Logf("browser: %s", last)
	if err := json.Unmarshal([]byte(last), out); err != nil {
		t.Fatalf("%s output %q: %v", script, last, err)
	}
	return string(stdout)
}
