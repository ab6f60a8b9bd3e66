// Package worker is the body of the nvr-worker process: it shakes hands with nvrd over a Unix socket,
// runs one camera's media pipeline, forwards keyframes and exits when the pipeline fails, when asked
// to stop, or when the socket closes. The media pipeline itself (GStreamer, cgo) sits behind the
// Pipeline interface so this package builds and tests without cgo.
package worker

import (
	"context"
	"time"
)

// Frame is one keyframe leaving the pipeline as JPEG: the analysis picture (at most
// ipc.AnalysisWidth × ipc.AnalysisHeight) and, when asked for (FullSizer), the full-size one.
type Frame struct {
	PTS           time.Duration
	Wall          time.Time
	Width, Height int    // of JPEG
	JPEG          []byte // the analysis picture
	Sub           bool   // from the substream
	// FullWidth × FullHeight is the decoded picture's size; Full is it as JPEG, nil unless asked for.
	FullWidth, FullHeight int
	Full                  []byte
}

// Spec says what a pipeline should run.
type Spec struct {
	URL         string // rtsp://... or demo://
	FIFO        string // named pipe that receives the MPEG-TS
	JPEGQuality int
	// SubURL, when set, is the camera's substream: its TS goes into SubFIFO and its keyframes are the
	// ones analysed while it works; when it fails the main stream's keyframes are analysed instead.
	SubURL  string
	SubFIFO string
	// OnJump, when set, hears of every jump of the camera's timestamps that the pipeline smoothed over
	// (Retimer), from a streaming thread; it must not block.
	OnJump func(time.Duration)
}

// Pipeline is one camera's media pipeline.
type Pipeline interface {
	// Run plays until ctx is cancelled (then it returns nil) or the stream fails or ends (then it returns a
	// *StreamError). onFrame is called from a streaming thread for every keyframe.
	Run(ctx context.Context, onFrame func(Frame)) error
}

// MediaReporter is a Pipeline that knows the codecs it carries; the worker tells nvrd (an ipc.Status)
// before the pipeline runs.
type MediaReporter interface {
	Media() Media
}

// SubstreamReporter is a Pipeline that runs a substream; the worker gives it, before Run, the function
// it calls (from any goroutine) whenever the substream's state changes (ipc.SubStarting, SubStreaming,
// SubFailed with the reason in plain words).
type SubstreamReporter interface {
	OnSubstream(func(state, reason string))
}

// SubRelayer is a Pipeline whose substream's TS is written to its FIFO only while someone watches it;
// the worker passes on nvrd's ipc.SubRelay messages (from the socket reader's goroutine).
type SubRelayer interface {
	SetSubRelay(on bool)
}

// MainSizeReporter is a Pipeline that tells the main stream's picture size (from its caps) when the
// analysed keyframes are the substream's.
type MainSizeReporter interface {
	OnMainSize(func(w, h int))
}

// FullSizer is a Pipeline that can send keyframes at full size as well (Frame.Full): every one while
// full is set, and the next one after next. It is called from any goroutine (the worker's socket
// reader, on an ipc.Want).
type FullSizer interface {
	WantFull(full, next bool)
}

// NewPipelineFunc builds a pipeline; cmd/nvr-worker passes the GStreamer one.
type NewPipelineFunc func(Spec) (Pipeline, error)

// StreamError is a pipeline failure with a sentence for people and the raw text for logs.
type StreamError struct {
	Message string // plain words: "camera refused the password"
	Detail  string // GStreamer's own error and debug text
}

// Error returns the plain-words message.
func (e *StreamError) Error() string { return e.Message }
