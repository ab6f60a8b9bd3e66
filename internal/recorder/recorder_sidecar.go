package recorder

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/segments"
)

// SidecarFile is written (durably) in every recording directory when the recording starts. Segment
// files carry only stream time (PTS), so this is what an index rebuilt from disk takes the
// recording's wall-clock start, camera, kind and reason from.
const SidecarFile = "recording.json"

// sidecar is SidecarFile's content.
type sidecar struct {
	Camera  string `json:"camera"`
	Kind    string `json:"kind"`
	Reason  string `json:"reason"`
	StartNS int64  `json:"start_ns"` // Unix nanoseconds of the first segment's start
}

// writeSidecar writes dir's SidecarFile: temp file, fsync, rename, fsync dir (crash: whole or absent).
func writeSidecar(dir, camera, kind, reason string, start time.Time) error {
	b, err := json.Marshal(sidecar{Camera: camera, Kind: kind, Reason: reason, StartNS: start.UnixNano()})
	if err != nil {
		return err
	}
	return segments.WriteFileDurable(dir, SidecarFile, b)
}

// readSidecar reads dir's SidecarFile; ok is false when it is missing or unreadable (directories
// written before it existed, or a crash between the directory and the file).
func readSidecar(dir string) (sc sidecar, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, SidecarFile))
	if err != nil || json.Unmarshal(b, &sc) != nil || sc.StartNS <= 0 {
		return sidecar{}, false
	}
	switch sc.Kind {
	case store.KindEvent, store.KindContinuous:
	default:
		sc.Kind = store.KindEvent
	}
	return sc, true
}
