package motion

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/jpegscale"
)

// benchFrames returns two consecutive keyframes of a w×h camera: a
// textured, noisy colour scene, the second with a person-sized object
// added, encoded by image/jpeg at quality 85 (4:2:0).
func benchFrames(tb testing.TB, w, h int) (a, b []byte) {
	rng := rand.New(rand.NewSource(7))
	bg := scene(w, h)
	f1 := cloneGray(bg)
	addNoise(f1, 3, rng)
	f2 := cloneGray(bg)
	drawRect(f2, 0.40, 0.30, 0.46, 0.75, 30)
	addNoise(f2, 3, rng)
	return encodeJPEG(tb, colorize(f1), 85), encodeJPEG(tb, colorize(f2), 85)
}

func benchmarkDecodeFast(b *testing.B, w, h int) {
	data, _ := benchFrames(b, w, h)
	d := jpegscale.Decoder{LumaOnly: true}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Decode(data, DefaultWidth, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkDecodeStd(b *testing.B, w, h int) {
	data, _ := benchFrames(b, w, h)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeFast1080p is the reduced-scale decode (pkg/jpegscale) alone.
func BenchmarkDecodeFast1080p(b *testing.B) { benchmarkDecodeFast(b, 1920, 1080) }

// BenchmarkDecodeFast4K is the reduced-scale decode (pkg/jpegscale) alone.
func BenchmarkDecodeFast4K(b *testing.B) { benchmarkDecodeFast(b, 3840, 2160) }

// BenchmarkDecodeStd1080p is image/jpeg's full decode, for comparison.
func BenchmarkDecodeStd1080p(b *testing.B) { benchmarkDecodeStd(b, 1920, 1080) }

// BenchmarkDecodeStd4K is image/jpeg's full decode, for comparison.
func BenchmarkDecodeStd4K(b *testing.B) { benchmarkDecodeStd(b, 3840, 2160) }

func benchmarkProcessJPEG(b *testing.B, w, h int) {
	f1, f2 := benchFrames(b, w, h)
	frames := [][]byte{f1, f2}
	d, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range frames { // warm up: buffers, reference frame
		if _, err := d.ProcessJPEG(f); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(f1)))
	b.ReportAllocs()
	times := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		r, err := d.ProcessJPEG(frames[i%2])
		times[i] = time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if !r.Motion {
			b.Fatalf("frame %d: %+v, want motion", i, r)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2])/1e6, "median-ms")
}

// BenchmarkProcessJPEG1080p is decode and motion scoring of a 1080p
// keyframe, the per-camera cost.
func BenchmarkProcessJPEG1080p(b *testing.B) { benchmarkProcessJPEG(b, 1920, 1080) }

// BenchmarkProcessJPEG4K is decode and motion scoring of a 2160p keyframe.
func BenchmarkProcessJPEG4K(b *testing.B) { benchmarkProcessJPEG(b, 3840, 2160) }

// BenchmarkScore is the motion scoring alone (resample from a 480×270
// decoded plane, difference, erosion, histogram), with a mask.
func BenchmarkScore(b *testing.B) {
	a, c := movingObject(rand.New(rand.NewSource(1)), 0.3, 0.45, 0.4)
	big := [2]*plane{}
	for i, g := range []*image.Gray{a, c} {
		var p plane
		p.resize(480, 270)
		var r resampler
		r.resample(lumaOf(g, &plane{}, nil), &p) // upscale, just to get a 480×270 input
		big[i] = &p
	}
	d, _ := New(Config{Masks: []Polygon{{{0, 0}, {0.3, 0}, {0.3, 0.1}, {0, 0.1}}}})
	d.process(big[0], 1920, 1080)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.process(big[(i+1)%2], 1920, 1080)
	}
}

// BenchmarkProcessJPEG640 is decode and motion scoring of a 640×360 keyframe (an analysis JPEG the
// worker scaled down, or a substream's): decoded at 1/2, straight at the analysis width.
func BenchmarkProcessJPEG640(b *testing.B) { benchmarkProcessJPEG(b, 640, 360) }

// BenchmarkDecodeFast640 is the 1/2 decode of a 640×360 keyframe alone.
func BenchmarkDecodeFast640(b *testing.B) { benchmarkDecodeFast(b, 640, 360) }
