// Package ipc is the wire protocol between nvrd (the supervisor) and its nvr-worker processes.
//
// Every message is one Envelope, encoded with msgpack and framed by a 4-byte big-endian length, and
// carries ProtocolVersion; Conn.Receive refuses a message of another version with a VersionError. The
// worker speaks first with a Hello; the supervisor answers with a Config. When the Hello's version
// differs, the supervisor sends nothing: it closes the socket and the attempt fails with the
// VersionError's sentence (which says to rebuild both), shown as the camera status's error. After that
// the worker sends Keyframe, Status and Error messages and the supervisor may send Want, SubRelay and
// Stop. Either side closing the socket ends the conversation: the worker exits on EOF.
//
// Keyframes come in two sizes. Every Keyframe carries the analysis picture (JPEG, at most AnalysisWidth
// wide and AnalysisHeight high); it carries the same picture at the stream's own size (Full) only when
// the supervisor asked for it with a Want: Want.Full for every keyframe until a Want says otherwise
// (a camera whose events need full-size pictures now), Want.Next for the next keyframe only (a
// snapshot). A Want replaces the previous one's Full; a Next not served yet stays pending.
package ipc

import "time"

// ProtocolVersion is bumped whenever a message changes incompatibly.
const ProtocolVersion = 4 // 2: substreams (Config.SubURL/SubFIFO, Keyframe.Sub, Status.Substream); 3: analysis-size keyframes, Keyframe.Full, Want; 4: SubRelay

// The analysis picture's bounds: a keyframe's JPEG is scaled down to fit them (aspect ratio kept), never up.
const (
	AnalysisWidth  = 640
	AnalysisHeight = 640
)

// Kind says which payload an Envelope carries.
type Kind uint8

// The message kinds.
const (
	KindHello    Kind = iota + 1 // worker → supervisor, first message
	KindConfig                   // supervisor → worker, answer to Hello
	KindKeyframe                 // worker → supervisor, a keyframe as JPEG
	KindStatus                   // worker → supervisor, stream facts (caps, state)
	KindError                    // either way, a fatal error in plain words
	KindStop                     // supervisor → worker, please exit cleanly
	KindWant                     // supervisor → worker, which keyframes to send at full size
	KindSubRelay                 // supervisor → worker, whether someone watches the substream
)

// String names the kind for logs and errors.
func (k Kind) String() string {
	switch k {
	case KindHello:
		return "hello"
	case KindConfig:
		return "config"
	case KindKeyframe:
		return "keyframe"
	case KindStatus:
		return "status"
	case KindError:
		return "error"
	case KindStop:
		return "stop"
	case KindWant:
		return "want"
	case KindSubRelay:
		return "subrelay"
	}
	return "unknown"
}

// Envelope is the one message type on the socket. Exactly one payload field matches Kind.
type Envelope struct {
	Version  uint16    `msgpack:"v"`
	Kind     Kind      `msgpack:"k"`
	Hello    *Hello    `msgpack:"h,omitempty"`
	Config   *Config   `msgpack:"c,omitempty"`
	Keyframe *Keyframe `msgpack:"f,omitempty"`
	Status   *Status   `msgpack:"s,omitempty"`
	Error    *Error    `msgpack:"e,omitempty"`
	Want     *Want     `msgpack:"w,omitempty"`
	SubRelay *SubRelay `msgpack:"r,omitempty"`
}

// Want tells the worker which keyframes to send at full size as well (Keyframe.Full).
type Want struct {
	// Full asks for every keyframe at full size from now on; false stops it.
	Full bool `msgpack:"full"`
	// Next asks for the next keyframe at full size (once), whatever Full says.
	Next bool `msgpack:"next,omitempty"`
}

// Wall is the keyframe's wall-clock capture time.
func (k *Keyframe) Wall() time.Time { return time.Unix(0, k.WallNS) }

// Picture returns the keyframe's largest picture and its size: Full when it came, else JPEG.
func (k *Keyframe) Picture() (jpeg []byte, w, h int) {
	if len(k.Full) > 0 {
		return k.Full, k.FullWidth, k.FullHeight
	}
	return k.JPEG, k.Width, k.Height
}

// IsFullSize says whether the keyframe's largest picture is the stream's own size: Full came, or JPEG
// was not scaled down (a stream within the analysis bounds, or a keyframe that does not say).
func (k *Keyframe) IsFullSize() bool {
	return len(k.Full) > 0 || k.FullWidth == 0 || (k.FullWidth == k.Width && k.FullHeight == k.Height)
}

// Hello is the worker's handshake.
type Hello struct {
	PID        int    `msgpack:"pid"`
	Generation uint64 `msgpack:"gen"`
	CameraID   string `msgpack:"cam"`
}

// Config tells a worker what to run. The camera URL travels here, not on the command line, so passwords
// never show in the process list.
type Config struct {
	CameraID    string `msgpack:"cam"`
	URL         string `msgpack:"url"`
	FIFO        string `msgpack:"fifo"`
	JPEGQuality int    `msgpack:"jq"`
	// SubURL is the camera's substream, "" for none; its TS goes into SubFIFO and its keyframes are
	// the ones analysed while it works (the main stream's otherwise).
	SubURL  string `msgpack:"sub,omitempty"`
	SubFIFO string `msgpack:"subfifo,omitempty"`
}

// Keyframe is one decoded keyframe, re-encoded as JPEG: the analysis picture (at most AnalysisWidth ×
// AnalysisHeight) and, when asked for (Want), the full-size one.
type Keyframe struct {
	CameraID string        `msgpack:"cam"`
	PTS      time.Duration `msgpack:"pts"`
	WallNS   int64         `msgpack:"wall"` // wall-clock capture time, Unix nanoseconds
	Width    int           `msgpack:"w"`    // of JPEG, the analysis picture
	Height   int           `msgpack:"h"`
	JPEG     []byte        `msgpack:"jpeg"`
	// Full is the same picture at the stream's size, FullWidth × FullHeight (always set by a worker),
	// or nil when it was not asked for or when JPEG already is that size.
	Full       []byte `msgpack:"full,omitempty"`
	FullWidth  int    `msgpack:"fw,omitempty"`
	FullHeight int    `msgpack:"fh,omitempty"`
	// Sub says the keyframe is the substream's (its size is the substream's, not the recording's).
	Sub bool `msgpack:"sub,omitempty"`
}

// Status carries facts about the stream the worker learned, such as the codec and picture size.
type Status struct {
	State  string `msgpack:"state"`
	Codec  string `msgpack:"codec"`
	Width  int    `msgpack:"w"`
	Height int    `msgpack:"h"`
	// Audio is the audio codec the TS carries ("aac"), or "" for none; AudioNote says in plain words
	// why a camera's audio is missing.
	Audio     string `msgpack:"audio,omitempty"`
	AudioNote string `msgpack:"anote,omitempty"`
	// Substream is the substream's state, in a Status whose State is "substream".
	Substream *Substream `msgpack:"sub,omitempty"`
	// Transport is how RTP comes from the camera: "tcp" (interleaved) or "udp".
	Transport string `msgpack:"tr,omitempty"`
	// TLSFingerprint is the SHA-256 (hex) of an rtsps:// camera's certificate.
	TLSFingerprint string `msgpack:"tlsfp,omitempty"`
	// TimeJumps counts the jumps of the camera's timestamps the worker smoothed over; StreamNote says
	// the latest in plain words. A worker sends Status again when they change.
	TimeJumps  uint64 `msgpack:"jumps,omitempty"`
	StreamNote string `msgpack:"snote,omitempty"`
}

// Substream states.
const (
	SubStarting  = "starting"  // connecting; analysis uses the main stream meanwhile
	SubStreaming = "streaming" // its keyframes are analysed and its TS feeds the grid tiles
	SubFailed    = "failed"    // it failed; analysis uses the main stream until the worker restarts
)

// Substream is a camera substream's state as the worker reports it and the camera status shows it.
type Substream struct {
	State string `msgpack:"state" json:"state"`
	Error string `msgpack:"error,omitempty" json:"error,omitempty"` // in plain words, with what nvr does instead
}

// SubRelay tells the worker whether anyone watches the camera's substream (a grid tile): only then is
// its TS written to the substream FIFO. The worker starts with it off; its keyframes are analysed
// either way.
type SubRelay struct {
	On bool `msgpack:"on"`
}

// Error is a fatal error. Message is for people ("camera refused the password"); Detail is the raw
// GStreamer text for logs.
type Error struct {
	Message string `msgpack:"msg"`
	Detail  string `msgpack:"detail"`
}
