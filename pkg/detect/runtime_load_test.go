package detect

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/pkg/testskip"
)

func TestOpenMissingLibrary(t *testing.T) {
	model := testModel(t)
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	_, err := Open(Options{ModelPath: model, LibraryPath: missing})
	skipWithoutCgo(t, err)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Open with a missing library: %v, want an error wrapping ErrUnavailable", err)
	}
	for _, w := range []string{"object detection is unavailable", missing, "scripts/setup"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}

	t.Setenv(LibraryEnv, missing)
	_, err = Open(Options{ModelPath: model})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), LibraryEnv) {
		t.Errorf("Open with %s pointing nowhere: %v, want ErrUnavailable naming the variable", LibraryEnv, err)
	}
}

// skipWithoutCgo skips a test of library loading in a build without cgo, where Open
// always fails for that reason.
func skipWithoutCgo(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "without cgo") {
		testskip.Skip(t, "built without cgo, so no ONNX Runtime can be loaded", "build the tests with CGO_ENABLED=1 and gcc installed (make setup)")
	}
}

func TestOpenMissingModel(t *testing.T) {
	_, err := Open(Options{ModelPath: filepath.Join(t.TempDir(), "nope.onnx")})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "nope.onnx") {
		t.Errorf("Open with a missing model: %v, want ErrUnavailable naming the file", err)
	}
	if _, err := Open(Options{}); err == nil {
		t.Error("Open without a model succeeded")
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	model := testModel(t)
	if _, err := Open(Options{ModelPath: model, Threads: -1}); err == nil || !strings.Contains(err.Error(), "thread") {
		t.Errorf("Threads -1: %v", err)
	}
	if _, err := Open(Options{ModelPath: model, MinScore: 1.5}); err == nil || !strings.Contains(err.Error(), "score") {
		t.Errorf("MinScore 1.5: %v", err)
	}
}

func TestLocalLibrariesOrder(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"libonnxruntime.so.1.24.1", "libonnxruntime.so.1", "libonnxruntime_providers_shared.so", ".libonnxruntime.so.1.part"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("libonnxruntime.so.1", filepath.Join(dir, "libonnxruntime.so")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, "libonnxruntime.so.2")); err != nil {
		t.Fatal(err)
	}
	got := localLibraries(dir)
	want := []string{
		filepath.Join(dir, "libonnxruntime.so.1"),
		filepath.Join(dir, "libonnxruntime.so"),
		filepath.Join(dir, "libonnxruntime.so.1.24.1"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("localLibraries = %q, want %q", got, want)
	}
}

func TestLibSearchOrder(t *testing.T) {
	t.Setenv(LibraryEnv, "")
	s := newLibSearch("")
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	dir := filepath.Dir(exe)
	wantDirs := []string{filepath.Join(dir, "lib"), filepath.Join(filepath.Dir(dir), "lib")}
	if !reflect.DeepEqual(s.dirs, wantDirs) {
		t.Errorf("project-local directories = %q, want %q", s.dirs, wantDirs)
	}
	c := s.candidates()
	if len(c) < 2 || c[len(c)-2] != "libonnxruntime.so.1" || c[len(c)-1] != "libonnxruntime.so" {
		t.Errorf("candidates = %q, want the system names last", c)
	}

	t.Setenv(LibraryEnv, "/from/env.so")
	if c := newLibSearch("").candidates(); !reflect.DeepEqual(c, []string{"/from/env.so"}) {
		t.Errorf("with %s set, candidates = %q", LibraryEnv, c)
	}
	if c := newLibSearch("/from/option.so").candidates(); !reflect.DeepEqual(c, []string{"/from/option.so"}) {
		t.Errorf("with the option set, candidates = %q (the option wins over the environment)", c)
	}
}

// TestNoLibraryInFreshProcess runs Open in a new process, where no ONNX Runtime has been
// loaded yet: once with a file that is not a library, once with nothing to find (unless
// the system has an ONNX Runtime of its own).
func TestNoLibraryInFreshProcess(t *testing.T) {
	if os.Getenv("NVR_DETECT_CHILD") == "1" {
		childNoLibrary(t)
		return
	}
	model := testModel(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoLibraryInFreshProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "NVR_DETECT_CHILD=1", "NVR_DETECT_MODEL="+model, LibraryEnv+"=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child process failed: %v\n%s", err, out)
	}
	text := string(out)
	if strings.Contains(text, "--- SKIP") {
		testskip.Skip(t, "the child process skipped:\n"+text, "see the child's message above")
	}
	if strings.Contains(text, "SYSTEM-RUNTIME") {
		testskip.Skip(t, "the not-found case cannot run: this machine has a system ONNX Runtime", "run the tests on a machine without a system-wide libonnxruntime")
	}
	if !strings.Contains(text, "--- PASS") {
		t.Errorf("the child did not pass:\n%s", text)
	}
}

func childNoLibrary(t *testing.T) {
	model := os.Getenv("NVR_DETECT_MODEL")
	notALib := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	os.WriteFile(notALib, []byte("not a shared library"), 0o644)
	_, err := Open(Options{ModelPath: model, LibraryPath: notALib})
	skipWithoutCgo(t, err)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "could not be loaded") || !strings.Contains(err.Error(), notALib) {
		t.Errorf("a file that is no library: %v, want ErrUnavailable saying it could not be loaded", err)
	}
	t.Log(err)

	d, err := Open(Options{ModelPath: model})
	if err == nil {
		d.Close()
		t.Log("SYSTEM-RUNTIME")
		return
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no library anywhere: %v, want ErrUnavailable", err)
	}
	for _, w := range []string{"libonnxruntime.so.1 was not found", "system library path", "scripts/setup"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	t.Log(err)
}
