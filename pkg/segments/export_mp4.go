package segments

import (
	"fmt"
	"io"
	"os"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// ExportMP4 writes the TS segment files at paths, read in order as one stream, to w as a fragmented
// MP4 (ISO BMFF) without re-encoding: an init segment whose avcC (H.264) or hvcC (H.265, sample entry
// hvc1) comes from the first keyframe's parameter sets, one moof+mdat fragment per GOP, and a
// random-access index (mfra) at the end. AAC audio (ADTS in the TS) is carried as a second track, its
// frames copied (export_audio.go); other streams are left out. Timestamps come from the TS PTS/DTS, rebased so that
// the first frame plays at 0; B-frames get signed composition offsets (trun version 1), which ffmpeg
// and GStreamer show as a start one frame later, as for ffmpeg's own negative_cts_offsets. A jump in the
// timestamps (another recording, a camera reset) is joined seamlessly. Frames before the first keyframe
// are dropped, and so are frames that cannot be parsed.
//
// It streams: memory holds one GOP (at most 32 MiB) and a 256 KiB write buffer, not the export.
// progress, if not nil, is called with (0, len(paths)) first and after each segment. On error the
// output is incomplete.
func ExportMP4(w io.Writer, paths []string, progress func(done, total int)) error {
	return exportMP4(w, paths, progress, exportBoxes{})
}

// exportMP4 is ExportMP4 with the given box writer (the benchmark compares them).
func exportMP4(w io.Writer, paths []string, progress func(done, total int), boxes boxWriter) error {
	m := newFMP4Muxer(w, boxes)
	d := videoDemuxer{onAudio: m.addAudio}
	buf := make([]byte, 64<<10)
	if progress != nil {
		progress(0, len(paths))
	}
	for i, path := range paths {
		if err := exportSegment(path, buf, &d, m); err != nil {
			return fmt.Errorf("MP4 export, segment %d of %d (%s): %w", i+1, len(paths), path, err)
		}
		if progress != nil {
			progress(i+1, len(paths))
		}
	}
	if err := m.close(); err != nil {
		return fmt.Errorf("MP4 export: %w", err)
	}
	return nil
}

// exportSegment feeds one segment file to the demuxer and the muxer.
func exportSegment(path string, buf []byte, d *videoDemuxer, m *fmp4Muxer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var al mpegts.Aligner // a damaged file may have lost sync
	for {
		n, rerr := f.Read(buf)
		pkts := al.Feed(buf[:n])
		for ; len(pkts) >= mpegts.PacketSize; pkts = pkts[mpegts.PacketSize:] {
			if err := d.packet(pkts[:mpegts.PacketSize], m.addFrame); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			if err := d.audio.flush(m.addAudio); err != nil {
				return err
			}
			return d.flush(m.addFrame) // a segment ends at a frame boundary
		}
		if rerr != nil {
			return rerr
		}
	}
}
