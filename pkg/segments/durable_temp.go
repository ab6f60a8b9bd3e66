package segments

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// tempName is the temporary name WriteFileDurable uses for name: hidden, with a .tmp suffix.
func tempName(name string) string { return "." + name + ".tmp" }

// IsTemp reports whether a file name (or path) is a temporary file of WriteFileDurable, left behind by
// a crash mid-write.
func IsTemp(name string) bool {
	base := filepath.Base(name)
	return len(base) >= len(".x.tmp") && strings.HasPrefix(base, ".") && strings.HasSuffix(base, ".tmp")
}

// CleanTemp deletes the temporary files of WriteFileDurable in dir (not in subdirectories), for
// start-up reconciliation. It returns how many it removed; it carries on past files it cannot remove.
func CleanTemp(dir string) (removed int, err error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, de := range des {
		if de.IsDir() || !IsTemp(de.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, de.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}
