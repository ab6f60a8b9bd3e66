package segments

import (
	"io"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
)

// partBoxes writes the fragments with mediacommon's fmp4.Part as well, for BenchmarkExportMP4Writers
// and the tests that check it plays like the export: the export's own writer uses mediacommon for the
// init segment only, because fmp4.Part copies every GOP twice more and costs about 11 %. mediacommon
// has no random-access index, so writeIndex is the export's.
type partBoxes struct {
	exportBoxes
	buf     seekablebuffer.Buffer // Marshal rewrites the trun after the mdat, so it needs a seekable target
	samples []fmp4.Sample
	ptrs    []*fmp4.Sample
}

func (b *partBoxes) writeFragment(w io.Writer, seq uint32, baseDTS int64, samples []fragSample, mdat []byte) error {
	b.buf.Reset()
	b.buf.Grow(len(mdat) + 64 + 16*len(samples)) // no regrowth while marshalling
	b.samples, b.ptrs = b.samples[:0], b.ptrs[:0]
	for _, s := range samples {
		b.samples = append(b.samples, fmp4.Sample{Duration: s.dur, PTSOffset: s.cto, IsNonSyncSample: !s.key, Payload: mdat[:s.size]})
		mdat = mdat[s.size:]
	}
	for i := range b.samples {
		b.ptrs = append(b.ptrs, &b.samples[i])
	}
	part := fmp4.Part{SequenceNumber: seq, Tracks: []*fmp4.PartTrack{{ID: trackID, BaseTime: uint64(baseDTS), Samples: b.ptrs}}}
	if err := part.Marshal(&b.buf); err != nil {
		return err
	}
	_, err := w.Write(b.buf.Bytes())
	return err
}
