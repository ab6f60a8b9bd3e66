// Package segments is the recording building block of nvr. It cuts a camera's MPEG-TS stream into
// segments that each start with PAT, PMT and a keyframe (Segmenter), keeps the last seconds of them in a
// RAM-disk pre-roll ring (Ring), writes files crash-safely (WriteFileDurable, CleanTemp,
// ProbeSegmentFile), lists recordings as HLS VOD playlists (WritePlaylist) and exports them as fragmented
// MP4 without re-encoding (ExportMP4).
//
// The package is pure Go and starts no goroutines. Timestamps inside the stream are MPEG 90 kHz clock
// ticks (PTS/DTS, 33 bits, wrapping every 26.5 hours); wall-clock times are time.Time.
package segments
