package app

import (
	"fmt"

	"github.com/nvrproject/nvr/internal/store"
)

// secureDirs makes the data directory and the RAM directory private to nvrd's user (0700) and the
// database files 0600, narrowing looser modes left by an older version or by hand, with a log line each.
func secureDirs(opt Options) error {
	for _, dir := range []string{opt.DataDir, opt.RAMDir} {
		if dir == "" {
			continue
		}
		fixes, err := store.SecureDir(dir)
		for _, f := range fixes {
			opt.Log.Warn("file mode was looser than nvrd allows; narrowed it", "path", f.Path,
				"old", fmt.Sprintf("%04o", uint32(f.Old)), "new", fmt.Sprintf("%04o", uint32(f.New)))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
