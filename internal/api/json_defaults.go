package api

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/nvrproject/nvr/internal/store"
)

// defaultValues is every defaultable camera setting's default, by JSON path ("record.max_age_days" → 30):
// the effective settings of a camera that sets nothing, read at the paths Effective lists.
var defaultValues = sync.OnceValue(func() map[string]any {
	def, paths := store.CameraSettings{}.Effective()
	b, err := json.Marshal(def)
	if err != nil {
		return map[string]any{}
	}
	var tree map[string]any
	if json.Unmarshal(b, &tree) != nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(paths))
	for _, p := range paths {
		var v any = tree
		for _, k := range strings.Split(p, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[k]
		}
		if v != nil {
			out[p] = v
		}
	}
	return out
})
