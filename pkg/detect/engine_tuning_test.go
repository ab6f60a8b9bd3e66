package detect

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// tuningVariant is one session setting the benchmarks compare.
type tuningVariant struct {
	name string
	t    sessionTuning
}

// allTunings are the session settings TestSessionTuningsSameOutput checks and
// BenchmarkSessionOptions may compare; the first is what Open uses.
var allTunings = []tuningVariant{
	{"open", engineTuning},
	{"prev", sessionTuning{keepFocus: true}},
	{"open+focus", withFocus(engineTuning)},
	{"nospin", sessionTuning{}},
	{"spin", sessionTuning{spin: true}},
	{"spin+stop", sessionTuning{spin: true, stopSpin: true}},
	{"nospin+block4", sessionTuning{blockBase: 4}},
	{"spin+stop+block4", sessionTuning{spin: true, stopSpin: true, blockBase: 4}},
	{"nospin+noarena", sessionTuning{noArena: true}},
	{"nospin+ftz", sessionTuning{flushDenormals: true}},
	{"open+ftz", func(t sessionTuning) sessionTuning { t.flushDenormals = true; return t }(engineTuning)},
	{"nospin-quickgelu", sessionTuning{disable: "QuickGeluFusion"}},
}

// benchTunings are the settings BenchmarkSessionOptions compares: "open" and those named in
// $NVR_DETECT_TUNINGS (comma-separated names from allTunings), by default prev (the setting at
// the start of this work: QuickGelu fused, the Focus layer in ONNX Runtime), open+focus (open
// with the Focus layer left in) and nospin-quickgelu (QuickGelu unfused; before ONNX Runtime 1.27 the same as open: the spread of two equal
// settings shows the noise). Each session keeps its own threads, so few settings at once disturb each other
// least.
func benchTunings(tb testing.TB) []tuningVariant {
	names := "prev,open+focus,nospin-quickgelu"
	if env := os.Getenv("NVR_DETECT_TUNINGS"); env != "" {
		names = env
	}
	out := []tuningVariant{allTunings[0]}
	for _, n := range strings.Split(names, ",") {
		i := slices.IndexFunc(allTunings, func(v tuningVariant) bool { return v.name == n })
		if i < 0 {
			tb.Fatalf("NVR_DETECT_TUNINGS: no setting %q", n)
		}
		out = append(out, allTunings[i])
	}
	return out
}

// withFocus is t running the model's Focus layer in ONNX Runtime.
func withFocus(t sessionTuning) sessionTuning {
	t.keepFocus = true
	return t
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
	for _, v := range allTunings {
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
			t.Errorf("%s: the model's output differs from %s's", v.name, allTunings[0].name)
		}
	}
}

// BenchmarkSessionOptions runs the model alone on one session per setting of benchTunings,
// interleaved run by run (the order rotating every round) so that the machine's changing load falls
// on all alike. It reports each setting's median in milliseconds, its ratio to the first ("open",
// what Open uses), its fastest run (the least disturbed by the machine's other work) and the
// process CPU time per run measured around the run (threads still spinning
// after a run without stopSpin leak into the next setting's figure).
func BenchmarkSessionOptions(b *testing.B) {
	img := loadImage(b, "dog.jpg")
	for _, th := range benchThreads {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			variants := benchTunings(b)
			ds := make([]*Detector, len(variants))
			for i, v := range variants {
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
			for i, v := range variants {
				m := medianMS(times[i])
				b.ReportMetric(m, v.name+"-ms")
				b.ReportMetric(float64(slices.Min(times[i]))/1e6, v.name+"-min-ms")
				if i > 0 {
					b.ReportMetric(m/base, v.name+"/open")
				}
				b.ReportMetric(float64(cpu[i])/1e6/float64(round), v.name+"-cpu-ms")
			}
		})
	}
}
