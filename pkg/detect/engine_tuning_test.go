package detect

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// tuningVariants are the session settings BenchmarkSessionOptions and TestSessionTuningsSameOutput
// compare; the first is what Open uses.
var tuningVariants = []struct {
	name string
	t    sessionTuning
}{
	{"open", engineTuning},
	{"nospin", sessionTuning{}},
	{"spin", sessionTuning{spin: true}},
	{"spin+stop", sessionTuning{spin: true, stopSpin: true}},
	{"nospin+block4", sessionTuning{blockBase: 4}},
	{"spin+stop+block4", sessionTuning{spin: true, stopSpin: true, blockBase: 4}},
	{"nospin+noarena", sessionTuning{noArena: true}},
}

// openTuned opens a detector whose session uses t.
func openTuned(tb testing.TB, t sessionTuning, threads int) *Detector {
	tb.Helper()
	saved := engineTuning
	engineTuning = t
	defer func() { engineTuning = saved }()
	return openTest(tb, Options{Threads: threads})
}

// TestSessionTuningsSameOutput: every session setting the benchmarks compare gives the model's output
// bit for bit, so choosing among them is a matter of speed only.
func TestSessionTuningsSameOutput(t *testing.T) {
	img := loadImage(t, "kite_and_cold.jpg")
	var want []float32
	for _, v := range tuningVariants {
		d := openTuned(t, v.t, 2)
		newLetterbox(img.Bounds().Dx(), img.Bounds().Dy(), d.model.inW, d.model.inH).fill(d.eng.input(), img)
		if err := d.eng.run(); err != nil {
			t.Fatal(err)
		}
		got := slices.Clone(d.eng.output())
		if want == nil {
			want = got
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the model's output differs from %s's", v.name, tuningVariants[0].name)
		}
	}
}

// BenchmarkSessionOptions runs the model alone on one session per setting in tuningVariants,
// interleaved run by run (the order rotating every round) so that the machine's changing load falls
// on all alike. It reports each setting's median in milliseconds, its ratio to the first ("open",
// what Open uses), and the process CPU time per run measured around the run (threads still spinning
// after a run without stopSpin leak into the next setting's figure).
func BenchmarkSessionOptions(b *testing.B) {
	img := loadImage(b, "dog.jpg")
	for _, th := range benchThreads {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			ds := make([]*Detector, len(tuningVariants))
			for i, v := range tuningVariants {
				ds[i] = openTuned(b, v.t, th)
				newLetterbox(img.Bounds().Dx(), img.Bounds().Dy(), ds[i].model.inW, ds[i].model.inH).fill(ds[i].eng.input(), img)
			}
			times := make([][]time.Duration, len(ds))
			cpu := make([]time.Duration, len(ds))
			round := 0
			for b.Loop() {
				for k := range ds {
					i := (k + round) % len(ds)
					c0, t0 := processCPU(), time.Now()
					if err := ds[i].eng.run(); err != nil {
						b.Fatal(err)
					}
					times[i] = append(times[i], time.Since(t0))
					cpu[i] += processCPU() - c0
				}
				round++
			}
			base := medianMS(times[0])
			for i, v := range tuningVariants {
				m := medianMS(times[i])
				b.ReportMetric(m, v.name+"-ms")
				if i > 0 {
					b.ReportMetric(m/base, v.name+"/open")
				}
				b.ReportMetric(float64(cpu[i])/1e6/float64(round), v.name+"-cpu-ms")
			}
		})
	}
}
