package detect

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkInferenceTuning runs the model alone on two sessions, spin (ONNX Runtime's default: the
// worker threads busy-wait between operators) and nospin (what Open uses), interleaved run by run so
// that the machine's changing load falls on both alike. It reports both medians and nospin/spin as
// new/baseline.
func BenchmarkInferenceTuning(b *testing.B) {
	img := loadImage(b, "dog.jpg")
	for _, th := range benchThreads {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			saved := engineTuning
			engineTuning = sessionTuning{spin: true}
			spin := openTest(b, Options{Threads: th})
			engineTuning = sessionTuning{spin: false}
			nospin := openTest(b, Options{Threads: th})
			engineTuning = saved
			for _, d := range []*Detector{spin, nospin} {
				newLetterbox(img.Bounds().Dx(), img.Bounds().Dy(), d.model.inW, d.model.inH).fill(d.eng.input(), img)
			}
			var spinTimes, nospinTimes []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := spin.eng.run(); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := nospin.eng.run(); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				spinTimes = append(spinTimes, t1.Sub(t0))
				nospinTimes = append(nospinTimes, t2.Sub(t1))
			}
			reportMedians(b, spinTimes, nospinTimes)
		})
	}
}
