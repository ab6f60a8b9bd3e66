//go:build cgo

package detect

import (
	"fmt"
	"os"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// minRuntimeVersion is the oldest ONNX Runtime whose C API onnxruntime_go v1.27 speaks.
const minRuntimeVersion = "1.24"

// runtimeMu guards loading the ONNX Runtime library and creating its environment, which
// can happen once per process. A failed attempt leaves nothing behind, so a later Open
// (with another LibraryPath, say) may try again; once one succeeds it is kept for the
// life of the process and shared by every Detector.
var runtimeMu sync.Mutex

// loadRuntime makes sure the ONNX Runtime environment exists, loading the library found
// by newLibSearch(option) if it does not.
func loadRuntime(option string) error {
	s := newLibSearch(option)
	if s.explicit != "" {
		if _, err := os.Stat(s.explicit); err != nil {
			return fmt.Errorf("%w: the ONNX Runtime library %s, named by %s, cannot be used (%v); run scripts/setup to install ONNX Runtime, or correct the path",
				ErrUnavailable, s.explicit, s.source, err)
		}
	}
	runtimeMu.Lock()
	defer runtimeMu.Unlock()
	if ort.IsInitialized() {
		return nil
	}
	var failures []string
	for _, lib := range s.candidates() {
		ort.SetSharedLibraryPath(lib)
		err := ort.InitializeEnvironment(ort.WithLogLevelError())
		if err == nil {
			return nil
		}
		if isNotFound(err) && s.explicit == "" && !contains(s.local, lib) {
			continue // a system name the loader does not know: try the next one
		}
		failures = append(failures, fmt.Sprintf("%s: %v", lib, err))
	}
	if len(failures) > 0 {
		return fmt.Errorf("%w: the ONNX Runtime library could not be loaded (%s); ONNX Runtime %s or newer for this machine is needed, run scripts/setup to install it",
			ErrUnavailable, strings.Join(failures, "; "), minRuntimeVersion)
	}
	where := "lib/"
	if len(s.dirs) > 0 {
		where = strings.Join(s.dirs, " or ")
	}
	return fmt.Errorf("%w: libonnxruntime.so.1 was not found in %s or the system library path; run scripts/setup to install it, or set %s to its path",
		ErrUnavailable, where, LibraryEnv)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
