package detect

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrUnavailable is wrapped by Open's error when object detection cannot run on this
// machine: the ONNX Runtime library or the model is missing or cannot be loaded. The
// wrapping error says what is missing and how to get it.
var ErrUnavailable = errors.New("object detection is unavailable")

// LibraryEnv names the environment variable that may point at the ONNX Runtime library.
const LibraryEnv = "NVR_ONNXRUNTIME_LIB"

// systemLibraries are the names handed to the dynamic loader when no project-local
// library is found; it then searches the system library path.
var systemLibraries = []string{"libonnxruntime.so.1", "libonnxruntime.so"}

// libSearch is where to look for the ONNX Runtime library.
type libSearch struct {
	explicit string   // a path given by the caller or LibraryEnv; when set, the only candidate
	source   string   // where explicit came from, for messages
	local    []string // libonnxruntime.so* files found in the project-local lib directories
	dirs     []string // the project-local lib directories looked in
}

// newLibSearch collects the candidates: the option, else LibraryEnv, else
// lib/libonnxruntime.so* beside the executable's directory and its parent.
func newLibSearch(option string) libSearch {
	if option != "" {
		return libSearch{explicit: option, source: "the LibraryPath option"}
	}
	if env := os.Getenv(LibraryEnv); env != "" {
		return libSearch{explicit: env, source: LibraryEnv}
	}
	var s libSearch
	exe, err := os.Executable()
	if err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		dir := filepath.Dir(exe)
		s.dirs = []string{filepath.Join(dir, "lib"), filepath.Join(filepath.Dir(dir), "lib")}
	}
	for _, d := range s.dirs {
		s.local = append(s.local, localLibraries(d)...)
	}
	return s
}

// localLibraries lists dir/libonnxruntime.so*: libonnxruntime.so.1 first, then
// libonnxruntime.so, then any other versioned names.
func localLibraries(dir string) []string {
	found, _ := filepath.Glob(filepath.Join(dir, "libonnxruntime.so*"))
	rank := func(p string) int {
		switch filepath.Base(p) {
		case "libonnxruntime.so.1":
			return 0
		case "libonnxruntime.so":
			return 1
		}
		return 2
	}
	var out []string
	for _, p := range found {
		if strings.HasSuffix(p, ".part") {
			continue // an unfinished copy left by an interrupted setup
		}
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if rank(out[i]) != rank(out[j]) {
			return rank(out[i]) < rank(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// candidates lists what to hand the dynamic loader, in order.
func (s libSearch) candidates() []string {
	if s.explicit != "" {
		return []string{s.explicit}
	}
	return append(append([]string(nil), s.local...), systemLibraries...)
}

// isNotFound tells a loader error for a missing file from one for a file that is there
// but cannot be used.
func isNotFound(err error) bool {
	return err != nil && strings.Contains(err.Error(), "No such file")
}
