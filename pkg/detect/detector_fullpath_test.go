package detect

import (
	"fmt"
	"image"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/jpegscale"
)

// detectJPEGBaseline is DetectJPEG as it was before the row-cached YCbCr fill and the once-per-size
// padding: decode at the reduced scale, the per-pixel fill and the padding on every frame, the model,
// decode and NMS. With a detector opened with spinning threads it is the old full path.
func detectJPEGBaseline(d *Detector, dec *jpegscale.Decoder, data []byte) ([]Detection, error) {
	w, h, err := jpegscale.Size(data)
	if err != nil {
		return nil, err
	}
	minW, minH := d.DecodeSize(w, h)
	f, err := dec.Decode(data, minW, minH)
	if err != nil {
		return nil, err
	}
	m := f.Image.(*image.YCbCr)
	lb := newLetterbox(m.Rect.Dx(), m.Rect.Dy(), d.model.inW, d.model.inH)
	in := d.eng.input()
	lb.fillYCbCrRef(in, m, newSampleAxis(lb.srcW, lb.w), newSampleAxis(lb.srcH, lb.h))
	lb.pad(in)
	d.padded = [2]int{} // the next Detect pads again
	if err := d.eng.run(); err != nil {
		return nil, err
	}
	cands := decodeYOLOX(d.eng.output(), d.model.classes, d.model.levels, d.minScore)
	scale, fullW, fullH := float64(f.Scale), float64(f.Width), float64(f.Height)
	inside := cands[:0]
	for _, c := range cands {
		c.box = lb.toSource(c.box)
		c.box = [4]float64{
			clamp(c.box[0]*scale, 0, fullW), clamp(c.box[1]*scale, 0, fullH),
			clamp(c.box[2]*scale, 0, fullW), clamp(c.box[3]*scale, 0, fullH),
		}
		if c.box[2] > c.box[0] && c.box[3] > c.box[1] {
			inside = append(inside, c)
		}
	}
	kept := nms(inside, nmsIoU)
	out := make([]Detection, 0, len(kept))
	for _, c := range kept {
		out = append(out, Detection{
			Label: d.labels[c.class],
			Score: roundTo(float64(c.score), 1e4),
			Box:   [4]float64{roundTo(c.box[0], 100), roundTo(c.box[1], 100), roundTo(c.box[2], 100), roundTo(c.box[3], 100)},
		})
	}
	return out, nil
}

// fullPaths are the detection paths the full-path test and benchmark compare, each a session
// setting and a JPEG decoder setting:
//   - old: before issue 17's work (spinning threads, QuickGelu fused, the per-pixel fill with the
//     padding on every frame, the scalar decode), detectJPEGBaseline;
//   - prev: this package at the start of the second session on it (threads not spinning, the
//     row-cached fill with the padding once per size, but QuickGelu fused, the Focus layer run by
//     ONNX Runtime and the scalar decode),
//     DetectJPEG;
//   - new: DetectJPEG as Open and the decoders now are.
type fullPath struct {
	name   string
	tuning sessionTuning
	scalar bool // the JPEG decoder's Scalar
	old    bool // run detectJPEGBaseline rather than DetectJPEG
}

var fullPaths = []fullPath{
	{"old", sessionTuning{spin: true, keepFocus: true}, true, true},
	{"prev", sessionTuning{keepFocus: true}, true, false},
	{"new", engineTuning, false, false},
}

// pathRunner runs one fullPath on its own detector and decoder.
type pathRunner struct {
	fullPath
	d   *Detector
	dec jpegscale.Decoder
}

func openPaths(tb testing.TB, threads int) []*pathRunner {
	var rs []*pathRunner
	for _, p := range fullPaths {
		r := &pathRunner{fullPath: p, d: openTuned(tb, p.tuning, threads)}
		r.dec.Scalar = p.scalar
		rs = append(rs, r)
	}
	return rs
}

func (r *pathRunner) detect(data []byte) ([]Detection, error) {
	if r.old {
		return detectJPEGBaseline(r.d, &r.dec, data)
	}
	dec := jpegDecoders.Get().(*jpegscale.Decoder)
	defer jpegDecoders.Put(dec)
	dec.Scalar = r.scalar
	defer func() { dec.Scalar = false }()
	return r.d.DetectJPEG(data)
}

// TestDetectJPEGSameAsBaseline: the new full path finds exactly what the old and the previous ones
// found, on the shared photos and on 1080p and 640x360 camera frames, also when frames of different
// sizes alternate (the padding is rewritten when the size changes).
func TestDetectJPEGSameAsBaseline(t *testing.T) {
	paths := openPaths(t, 1)
	frames := map[string][]byte{"1080p": frame1080p(t), "640x360": cameraFrame(t, 640, 360)}
	for _, name := range []string{"dog.jpg", "kite_and_cold.jpg"} {
		frames[name] = readTestJPEG(t, name)
	}
	order := []string{"dog.jpg", "1080p", "kite_and_cold.jpg", "640x360", "1080p", "dog.jpg", "dog.jpg", "640x360"}
	for i, name := range order {
		want, err := paths[0].detect(frames[name])
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("%s: the baseline finds nothing", name)
		}
		for _, p := range paths[1:] {
			got, err := p.detect(frames[name])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("frame %d (%s): %s path %s, the old one %s", i, name, p.name, describe(got), describe(want))
			}
		}
	}
}

// BenchmarkDetectJPEGVsBaseline is the whole path (JPEG in, detections out) for one 1080p camera
// frame and one 640x360 analysis frame, on the old, previous and new paths (fullPaths), interleaved
// frame by frame in one loop (the order rotating) so that the machine's changing load falls on all
// alike. It reports each path's median and fastest frame, the process CPU time a frame costs (all
// threads; the old path's spinning threads can leak into the next path's figure) and new/old,
// new/prev (ratios of medians).
func BenchmarkDetectJPEGVsBaseline(b *testing.B) {
	for _, fr := range benchFrames {
		frame := cameraFrame(b, fr.w, fr.h)
		b.Run(fmt.Sprintf("%s/threads=2", fr.name), func(b *testing.B) {
			paths := openPaths(b, 2)
			times := make([][]time.Duration, len(paths))
			cpu := make([]time.Duration, len(paths))
			round := 0
			for b.Loop() {
				for k := range paths {
					i := (k + round) % len(paths)
					c0, t0 := processCPU(), time.Now()
					dets, err := paths[i].detect(frame)
					times[i] = append(times[i], time.Since(t0))
					cpu[i] += processCPU() - c0
					if err != nil || len(dets) == 0 {
						b.Fatal(paths[i].name, ": nothing detected in the scaled dog.jpg ", err)
					}
				}
				round++
			}
			for i, p := range paths {
				b.ReportMetric(medianMS(times[i]), p.name+"-ms-median")
				b.ReportMetric(float64(slices.Min(times[i]))/1e6, p.name+"-ms-min")
				b.ReportMetric(float64(cpu[i])/1e6/float64(round), p.name+"-cpu-ms")
			}
			n := medianMS(times[2])
			b.ReportMetric(n/medianMS(times[0]), "new/old")
			b.ReportMetric(n/medianMS(times[1]), "new/prev")
		})
	}
}

// reportMedians reports the medians of a baseline and a new variant measured in one loop, in
// milliseconds, and their ratio.
func reportMedians(b *testing.B, oldTimes, newTimes []time.Duration) {
	if len(oldTimes) == 0 || len(newTimes) == 0 {
		return
	}
	slices.Sort(oldTimes)
	slices.Sort(newTimes)
	o, n := oldTimes[len(oldTimes)/2], newTimes[len(newTimes)/2]
	b.ReportMetric(float64(o)/1e6, "baseline-ms-median")
	b.ReportMetric(float64(n)/1e6, "new-ms-median")
	b.ReportMetric(float64(n)/float64(o), "new/baseline")
}
