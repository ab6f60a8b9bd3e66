package api

import (
	"errors"
	"time"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// The values the API's interfaces return. Their fields and JSON names are those of the parts'
// own types (supervisor.Status, recorder.Status, events.Status), so internal/app converts them with
// a plain type conversion: a field added on one side and not the other fails to compile there.

// Pipeline states (PipelineStatus.State), the supervisor's.
const (
	StateStarting  = "starting"
	StateStreaming = "streaming"
	StateDisabled  = "disabled"
)

// PipelineStatus is a running camera's worker and stream state.
type PipelineStatus struct {
	State        string     `json:"state"`
	Error        string     `json:"error"`
	Restarts     uint64     `json:"restarts"`
	BytesIn      uint64     `json:"bytes_in"`
	Keyframes    uint64     `json:"keyframes"`
	Resyncs      uint64     `json:"resyncs"` // times the TS byte stream lost packet sync (this worker)
	LastKeyframe *time.Time `json:"last_keyframe"`
	BitrateBPS   uint64     `json:"bitrate_bps"`
	Width        int        `json:"width"`
	Height       int        `json:"height"`
	Viewers      int        `json:"viewers"`
	Generation   uint64     `json:"generation"`
	WorkerPID    int        `json:"worker_pid"`
	Codec        string     `json:"codec"`                 // video: "h264" or "h265", "" before the worker says
	Audio        string     `json:"audio"`                 // audio in the TS: "aac" or "" (none)
	AudioError   string     `json:"audio_error,omitempty"` // why the camera's audio is not recorded
	// Substream is the substream's state (nil for a camera without one): "failed" with the reason in
	// words while analysis and the grid tiles use the main stream.
	Substream *ipc.Substream `json:"substream,omitempty"`
	// Transport is how RTP comes from the camera: "tcp" (interleaved, tried first) or "udp" (the
	// camera refused TCP); "" before the worker says.
	Transport      string `json:"transport"`
	TLSFingerprint string `json:"tls_fingerprint,omitempty"` // SHA-256 of an rtsps:// camera's certificate
	TimeJumps      uint64 `json:"timestamp_jumps,omitempty"` // jumps of the camera's timestamps smoothed over (this worker)
	StreamNote     string `json:"stream_note,omitempty"`     // the latest such jump in plain words
	Frames         uint64 `json:"frames"`                    // video frames received (the frame rate is its rate)
	Dropped        uint64 `json:"dropped_packets"`           // TS packets slow readers (viewers, recorder) lost
}

// RecordingStatus is a camera's recording state.
type RecordingStatus struct {
	Recording       bool   `json:"recording"`
	RecordingID     string `json:"recording_id,omitempty"`
	Error           string `json:"error,omitempty"`
	SegmentsWritten int64  `json:"segments_written"`
	BytesWritten    int64  `json:"bytes_written"`
	Dropped         int64  `json:"packets_dropped"`
}

// AnalysisStatus is a camera's motion, QR and detection state.
type AnalysisStatus struct {
	MotionScore     float64 `json:"motion_score"`     // of the latest keyframe
	MotionActive    bool    `json:"motion_active"`    // a motion event is open
	Events          int64   `json:"events"`           // events made since the camera was configured
	ObjectsTracked  int     `json:"objects_tracked"`  // object events open
	DetectAvailable bool    `json:"detect_available"` // a detector is loaded
	DetectError     string  `json:"detect_error,omitempty"`
	Detections      int64   `json:"detections"`       // detector runs on this camera's keyframes
	DetectSkipped   int64   `json:"detect_skipped"`   // detection requests replaced by newer keyframes
	Keyframes       int64   `json:"keyframes"`        // keyframes analysed
	FramesDropped   int64   `json:"frames_dropped"`   // keyframes replaced before they were analysed
	DetectErrors    int64   `json:"detect_errors"`    // detector runs that failed
	QRCodes         int64   `json:"qr_codes"`         // QR texts read (before the 10 s repeat filter)
	DecodeErrors    int64   `json:"decode_errors"`    // keyframes that could not be decoded
	LastKeyframe    string  `json:"last_keyframe"`    // RFC 3339 time of the latest analysed keyframe, "" before the first
	MotionThreshold float64 `json:"motion_threshold"` // the threshold in effect
	MotionEnabled   bool    `json:"motion_enabled"`   // motion detection runs
	DetectEnabled   bool    `json:"detect_enabled"`   // the camera asks for object detection
	QREnabled       bool    `json:"qr_enabled"`       // QR codes are read
}

// FootageSpan is a camera's recorded segments over a span, in order.
type FootageSpan struct {
	Paths   []string      // the segment files
	Start   time.Time     // the first segment's start
	End     time.Time     // the last segment's end
	Footage time.Duration // the video the files hold (less than the span when it has gaps)
}

// ErrNoFootage says a span holds no recorded segments (Recordings.Footage).
var ErrNoFootage = errors.New("no footage in this span")
