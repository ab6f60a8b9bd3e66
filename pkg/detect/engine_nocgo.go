//go:build !cgo

package detect

import "fmt"

// openEngine is never reached without cgo, since loadRuntime fails first.
func openEngine(string, int, int) (engine, modelInfo, error) {
	return nil, modelInfo{}, fmt.Errorf("%w: this program was built without cgo", ErrUnavailable)
}
