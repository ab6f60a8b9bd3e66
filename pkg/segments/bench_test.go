package segments

import (
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
)

// BenchmarkSegmenter cuts a 10 s, ~4 Mbit/s stream delivered in 64 KiB reads like the FIFO reader's.
// cams/core is how many such cameras one core could segment.
func BenchmarkSegmenter(b *testing.B) {
	ts := clip(b, benchClip)
	const read = 348 * mpegts.PacketSize // ~64 KiB
	b.SetBytes(int64(len(ts)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s := NewSegmenter(0)
		n := 0
		for i := 0; i < len(ts); i += read {
			n += len(s.Write(ts[i:min(i+read, len(ts))], t0))
		}
		if s.Flush() != nil {
			n++
		}
		if n != 5 {
			b.Fatalf("%d segments, want 5", n)
		}
	}
	b.StopTimer()
	perSec := float64(b.N) * float64(len(ts)) / b.Elapsed().Seconds()
	b.ReportMetric(perSec/float64(len(ts)/10), "cams/core")
}

// BenchmarkExportMP4 exports the same stream's five segment files to io.Discard.
func BenchmarkExportMP4(b *testing.B) {
	ts := clip(b, benchClip)
	segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(1, 1)), realTime(len(ts)/188, 10*time.Second))
	paths := writeSegments(b, b.TempDir(), segs)
	b.SetBytes(int64(len(ts)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := ExportMP4(io.Discard, paths, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

// BenchmarkExportMP4Writers compares the box writers (boxWriters) on BenchmarkExportMP4's export:
// each iteration exports once with each, in rotating order, so all see the same load on a shared
// machine. NAME/export is the median of the iterations' time ratios of writer NAME to the export's own
// (above 1: slower), which a burst of load from other processes moves less than a ratio of totals.
func BenchmarkExportMP4Writers(b *testing.B) {
	ts := clip(b, benchClip)
	segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(1, 1)), realTime(len(ts)/188, 10*time.Second))
	paths := writeSegments(b, b.TempDir(), segs)
	n := len(boxWriters)
	spent := make([]time.Duration, n)
	ratios := make([][]float64, n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		took := make([]time.Duration, n)
		for j := range n {
			k := (j + i) % n
			start := time.Now()
			if err := exportMP4(io.Discard, paths, nil, boxWriters[k].new()); err != nil {
				b.Fatalf("%s: %v", boxWriters[k].name, err)
			}
			took[k] = time.Since(start)
			spent[k] += took[k]
		}
		for k := 1; k < n; k++ {
			ratios[k] = append(ratios[k], float64(took[k])/float64(took[0]))
		}
	}
	b.StopTimer()
	for k, w := range boxWriters {
		b.ReportMetric(float64(spent[k].Microseconds())/1000/float64(b.N), w.name+"-ms/export")
		if k > 0 {
			slices.Sort(ratios[k])
			b.ReportMetric(ratios[k][len(ratios[k])/2], w.name+"/"+boxWriters[0].name)
		}
	}
}
