package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// adminLogin is the environment that logs a check script in as the administrator startNVR made.
var adminLogin = []string{"NVR_USER=root", "NVR_PASSWORD=correct horse battery"}

// checkCmd is the command of the browser check ui/test/SCRIPT with args: run in ui/ (so it finds
// playwright-core), env added to the test's own, stderr logged.
func checkCmd(t *testing.T, script string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command("node", append([]string{filepath.Join(repoRoot, "ui", "test", script)}, args...)...)
	cmd.Dir = filepath.Join(repoRoot, "ui")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = newTestWriter(t)
	return cmd
}

// runCheck runs the browser check ui/test/SCRIPT with args (in ui/, so it finds playwright-core; env
// added to the test's own), logs its stderr and the last line it prints on stdout, and decodes that
// line (the check's JSON result) into out. It fails the test when the script fails or prints no JSON;
// it returns the script's whole stdout.
func runCheck(t *testing.T, script string, env []string, out any, args ...string) string {
	t.Helper()
	stdout, err := checkCmd(t, script, env, args...).Output()
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

// pageFaults is what every browser check reports of the page itself: uncaught errors and console
// errors, Content-Security-Policy violations and the step that failed. Embed it in a check's result.
type pageFaults struct {
	Errors []string `json:"errors"`
	CSP    []string `json:"csp"`
	Fatal  string   `json:"fatal"`
}

// check fails the test on a failed step (at once) and on page errors or CSP violations.
func (p pageFaults) check(t *testing.T) {
	t.Helper()
	if p.Fatal != "" {
		t.Fatalf("in the browser: %s (page errors: %v)", p.Fatal, p.Errors)
	}
	if len(p.Errors) > 0 {
		t.Errorf("page errors: %v", p.Errors)
	}
	if len(p.CSP) > 0 {
		t.Errorf("the app breaks its Content-Security-Policy: %v", p.CSP)
	}
}

// startNode starts the browser check ui/test/SCRIPT with args (in ui/, env added to the test's own)
// for a test that talks to it while it runs: the process, its stdin, and its stdout line by line. The
// script is killed and reaped when the test ends.
func startNode(t *testing.T, script string, env []string, args ...string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	cmd := checkCmd(t, script, env, args...)
	in, _ := cmd.StdinPipe()
	outp, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(outp)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return cmd, in, sc
}

// lastLine reads sc to its end and returns the last line (a check's JSON result), logged.
func lastLine(t *testing.T, sc *bufio.Scanner) string {
	t.Helper()
	var last string
	for sc.Scan() {
		last = sc.Text()
	}
	t.Logf("browser: %s", last)
	return last
}
