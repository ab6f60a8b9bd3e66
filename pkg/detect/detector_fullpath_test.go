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

// TestDetectJPEGSameAsBaseline: the new full path finds exactly what the old one found, on the 1080p
// frame and on the shared photos, also when frames of different sizes alternate (the padding is
// rewritten when the size changes) and with the old spinning session.
func TestDetectJPEGSameAsBaseline(t *testing.T) {
	saved := engineTuning
	engineTuning = sessionTuning{spin: true}
	old := openTest(t, Options{Threads: 1})
	engineTuning = saved
	d := openTest(t, Options{Threads: 1})
	var dec jpegscale.Decoder
	frames := map[string][]byte{"1080p": frame1080p(t)}
	for _, name := range []string{"dog.jpg", "kite_and_cold.jpg"} {
		frames[name] = readTestJPEG(t, name)
	}
	order := []string{"dog.jpg", "1080p", "kite_and_cold.jpg", "1080p", "dog.jpg", "dog.jpg"}
	for i, name := range order {
		got, err := d.DetectJPEG(frames[name])
		if err != nil {
			t.Fatal(err)
		}
		want, err := detectJPEGBaseline(old, &dec, frames[name])
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("%s: the baseline finds nothing", name)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("frame %d (%s): got %s, the baseline %s", i, name, describe(got), describe(want))
		}
	}
}

// BenchmarkDetectJPEGVsBaseline is the whole path for one 1080p camera frame, the old one
// (detectJPEGBaseline on a spinning session) and the new one (DetectJPEG), interleaved frame by frame
// in one loop so that the machine's changing load falls on both alike. It reports both medians and
// new/baseline, the ratio of the medians.
func BenchmarkDetectJPEGVsBaseline(b *testing.B) {
	frame := frame1080p(b)
	for _, th := range benchThreads {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			saved := engineTuning
			engineTuning = sessionTuning{spin: true}
			old := openTest(b, Options{Threads: th})
			engineTuning = saved
			d := openTest(b, Options{Threads: th})
			var dec jpegscale.Decoder
			var oldTimes, newTimes []time.Duration
			for b.Loop() {
				t0 := time.Now()
				dets, err := detectJPEGBaseline(old, &dec, frame)
				t1 := time.Now()
				if err != nil || len(dets) == 0 {
					b.Fatal("the baseline detects nothing in the scaled-up dog.jpg", err)
				}
				dets, err = d.DetectJPEG(frame)
				t2 := time.Now()
				if err != nil || len(dets) == 0 {
					b.Fatal("nothing detected in the scaled-up dog.jpg", err)
				}
				oldTimes = append(oldTimes, t1.Sub(t0))
				newTimes = append(newTimes, t2.Sub(t1))
			}
			reportMedians(b, oldTimes, newTimes)
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
