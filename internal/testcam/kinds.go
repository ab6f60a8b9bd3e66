package testcam

// Cameras that look like the ones people have (issue 18, 19): x264 with its lookahead (no zerolatency),
// B-frames, multi-slice pictures with SPS/PPS before every IDR slice, 25 and 30 fps, a 4 s GOP, 4K at
// 5 fps, and real H.265. Small pictures (640×360) where the shape does not need more, short clips, so
// the first encode takes seconds and later ones come from the cache.
var (
	// HighBFrames is a High-profile camera with two B-frames between references and a 2 s GOP.
	HighBFrames = Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 50, BitrateKbps: 800, Frames: 100, Lookahead: true, BFrames: 2}
	// MultiSlice sends two slices per picture with SPS/PPS repeated before every IDR slice, 2 s GOP.
	MultiSlice = Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 50, BitrateKbps: 800, Frames: 100, Lookahead: true, Slices: 2, RepeatParams: true}
	// Thirty is 30 fps with B-frames and a 4 s GOP.
	Thirty = Clip{Width: 640, Height: 360, FPS: 30, KeyInt: 120, BitrateKbps: 800, Frames: 240, Lookahead: true, BFrames: 2}
	// UHD5 is 4K at 5 fps with a 2 s GOP.
	UHD5 = Clip{Width: 3840, Height: 2160, FPS: 5, KeyInt: 10, BitrateKbps: 6000, Frames: 20, Lookahead: true}
	// HEVC is real H.265 from x265enc with B-frames and a 2 s GOP.
	HEVC = Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 50, BitrateKbps: 800, Frames: 100, Lookahead: true, BFrames: 2, H265: true}
	// HEVCMultiSlice is H.265 with two slices per picture and VPS/SPS/PPS repeated before every IRAP
	// slice segment, 2 s GOP.
	HEVCMultiSlice = Clip{Width: 640, Height: 360, FPS: 25, KeyInt: 50, BitrateKbps: 800, Frames: 100, Lookahead: true, Slices: 2, RepeatParams: true, H265: true}
)
