package detect

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkInferenceTuning runs the model alone with each session tuning side by side in one run
// (spin: ONNX Runtime's default, worker threads busy-wait; nospin: what Open uses). Use -count to
// see how much of the difference is the machine's load.
func BenchmarkInferenceTuning(b *testing.B) {
	img := loadImage(b, "dog.jpg")
	for _, th := range benchThreads {
		variants := []struct {
			name string
			t    sessionTuning
		}{{"spin", sessionTuning{spin: true}}, {"nospin", sessionTuning{spin: false}}}
		for _, v := range variants {
			b.Run(fmt.Sprintf("threads=%d/%s", th, v.name), func(b *testing.B) {
				saved := engineTuning
				engineTuning = v.t
				d := openTest(b, Options{Threads: th})
				engineTuning = saved
				newLetterbox(img.Bounds().Dx(), img.Bounds().Dy(), d.model.inW, d.model.inH).fill(d.eng.input(), img)
				var times []time.Duration
				for b.Loop() {
					t0 := time.Now()
					if err := d.eng.run(); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(t0))
				}
				reportMedian(b, times)
			})
		}
	}
}
