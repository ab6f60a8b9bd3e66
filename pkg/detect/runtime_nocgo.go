//go:build !cgo

package detect

import "fmt"

// loadRuntime always fails: ONNX Runtime is reached through cgo, which this build lacks.
func loadRuntime(string) error {
	return fmt.Errorf("%w: this program was built without cgo, which ONNX Runtime needs; rebuild it with CGO_ENABLED=1 and a C compiler", ErrUnavailable)
}
