package recorder

import (
	"context"
	"time"
)

// Footage returns a camera's recorded segments that overlap [since, until), oldest first (FindFootage on
// the recorder's own index and directory); ErrNoFootage if there are none.
func (r *Recorder) Footage(ctx context.Context, cameraID string, since, until time.Time) (ExportSpan, error) {
	return FindFootage(ctx, r.opt.Store, r.root, cameraID, since, until)
}
