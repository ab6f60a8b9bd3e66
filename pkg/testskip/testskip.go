// Package testskip is the one way this module's tests skip. A test skips only when a part it needs is
// missing from the machine (GStreamer, ffprobe, Chromium, ONNX Runtime, ../shared, root); the message says
// what is missing and how to get it. Under CI=true a skip is a failure instead, so a CI run that lacks a
// part goes red rather than green with whole groups of tests silently not run.
//
// It lives under pkg/ because pkg/ never imports internal/ and the tests of both use it.
package testskip

import (
	"os"
	"strconv"
	"testing"
)

// InCI reports whether the CI environment variable is set to true (as GitHub Actions, GitLab and most
// others do).
func InCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Skip ends the test because a part it needs is missing: why says what is missing, fix how to get it
// (for example "run make setup"). Under CI=true the test fails instead of skipping.
func Skip(tb testing.TB, why, fix string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("CI=true, so this skip is a failure: %s (to fix: %s)", why, fix)
	}
	tb.Skipf("skipping: %s; to run it: %s", why, fix)
}
