package segments

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Ring is the RAM-disk pre-roll of one camera: the latest segments as files in a directory of its own
// (e.g. /dev/shm/nvr/<camera>/), so that a recording can start seconds before the event that triggered
// it. It is safe for concurrent use: the stream reader Adds while a recorder calls Since and Read. A file
// that Add evicts while a recorder reads it stays readable for a reader that already opened it.
type Ring struct {
	dir      string
	keep     time.Duration
	maxBytes int64

	mu      sync.Mutex
	entries []RingEntry // oldest first
	total   int64       // bytes of entries
	next    uint64      // number of the next file
	closed  bool
}

// OpenRing creates dir if needed and removes segment files left there by an earlier run. The ring keeps
// at least keep of the newest segments and, beyond that, evicts the oldest while it holds more than
// maxBytes (0: no byte limit); the newest segment is always kept.
func OpenRing(dir string, keep time.Duration, maxBytes int64) (*Ring, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pre-roll ring: %w", err)
	}
	if _, err := removeRingFiles(dir); err != nil {
		return nil, fmt.Errorf("pre-roll ring: clearing stale segments: %w", err)
	}
	return &Ring{dir: dir, keep: keep, maxBytes: maxBytes}, nil
}

// Add stores seg as a file and evicts the oldest segments that are no longer needed. On error the ring
// is unchanged.
func (r *Ring) Add(seg Segment) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("pre-roll ring: Add after Close")
	}
	path := filepath.Join(r.dir, ringFileName(r.next))
	if err := os.WriteFile(path, seg.Data, 0o644); err != nil {
		os.Remove(path)
		return fmt.Errorf("pre-roll ring: %w", err)
	}
	r.next++
	r.entries = append(r.entries, RingEntry{
		Seq: seg.Seq, Start: seg.Start, Duration: seg.Duration, Size: int64(len(seg.Data)),
		Path: path, Keyframes: seg.Keyframes,
	})
	r.total += int64(len(seg.Data))
	r.evict()
	return nil
}

// evict removes the oldest entries while the rest still cover keep, or while the ring is over maxBytes.
func (r *Ring) evict() {
	var covered time.Duration
	for _, e := range r.entries[1:] {
		covered += e.Duration
	}
	for len(r.entries) > 1 && (covered >= r.keep || r.maxBytes > 0 && r.total > r.maxBytes) {
		old := r.entries[0]
		os.Remove(old.Path) // RAM disk: a failure here only costs memory until Close
		r.entries = r.entries[1:]
		r.total -= old.Size
		covered -= r.entries[0].Duration
	}
}

// Close removes the ring's files and its directory (if nothing else was put there). The ring cannot be
// used afterwards.
func (r *Ring) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.entries, r.total = nil, 0
	if _, err := removeRingFiles(r.dir); err != nil {
		return fmt.Errorf("pre-roll ring: %w", err)
	}
	if err := os.Remove(r.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pre-roll ring: %w", err)
	}
	return nil
}

// ringFileName names the n-th file of a ring; isRingFileName recognises such names.
func ringFileName(n uint64) string { return fmt.Sprintf("%020d.ts", n) }

func isRingFileName(name string) bool {
	if len(name) != 23 || filepath.Ext(name) != ".ts" {
		return false
	}
	for _, c := range name[:20] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// removeRingFiles deletes the ring's own files in dir (never anything else).
func removeRingFiles(dir string) (int, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil
		}
		return 0, err
	}
	n := 0
	var errs []error
	for _, de := range des {
		if !de.Type().IsRegular() || !isRingFileName(de.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, de.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
