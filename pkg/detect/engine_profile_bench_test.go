package detect

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	ort "github.com/yalue/onnxruntime_go"
)

// profileEvent is one event of ONNX Runtime's JSON profile.
type profileEvent struct {
	Cat  string `json:"cat"`
	Name string `json:"name"`
	Dur  int64  `json:"dur"` // microseconds
	Args struct {
		OpName string                 `json:"op_name"`
		In     []map[string][]int64   `json:"input_type_shape"`
		Out    []map[string][]int64   `json:"output_type_shape"`
		_      map[string]interface{} `json:"-"`
	} `json:"args"`
}

// shapeOf is the first shape in one of the profile's type-shape lists.
func shapeOf(list []map[string][]int64, i int) []int64 {
	if i >= len(list) {
		return nil
	}
	for _, s := range list[i] {
		return s
	}
	return nil
}

func prod(s []int64) int64 {
	n := int64(1)
	for _, v := range s {
		n *= v
	}
	return n
}

// convFLOPs estimates a convolution's multiply-adds ×2 from its profiled shapes: output elements
// times the weight's elements per output channel (NCHWc padding included).
func convFLOPs(e profileEvent) float64 {
	out, w := shapeOf(e.Args.Out, 0), shapeOf(e.Args.In, 1)
	if len(out) < 4 || len(w) < 2 {
		return 0
	}
	return 2 * float64(prod(out)) * float64(prod(w[1:]))
}

// BenchmarkOperatorProfile runs Open's session (2 threads) on dog.jpg with ONNX Runtime's
// profiler on and reports, per operator type, the kernel time per run in milliseconds and its
// share of all kernel time; for the convolutions also the model's GFLOP per run and the rate they
// ran at. NVR_ONNXRUNTIME_LIB chooses the runtime library.
func BenchmarkOperatorProfile(b *testing.B) {
	img := loadImage(b, "dog.jpg")
	tun := engineTuning
	tun.profile = filepath.Join(b.TempDir(), "ort")
	d := openTuned(b, tun, 2)
	newLetterbox(img.Bounds().Dx(), img.Bounds().Dy(), d.model.inW, d.model.inH).fill(d.eng.input(), img)
	var wall []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := d.eng.run(); err != nil {
			b.Fatal(err)
		}
		wall = append(wall, time.Since(t0))
	}
	if err := d.Close(); err != nil { // writes the profile
		b.Fatal(err)
	}
	files, _ := filepath.Glob(tun.profile + "*.json")
	if len(files) == 0 {
		b.Fatal("ONNX Runtime wrote no profile")
	}
	raw, err := os.ReadFile(files[len(files)-1])
	if err != nil {
		b.Fatal(err)
	}
	var events []profileEvent
	if err := json.Unmarshal(raw, &events); err != nil {
		b.Fatalf("reading the profile: %v", err)
	}
	perOp := map[string]int64{}
	var total, runs, convUS int64
	var convFlop float64
	for _, e := range events {
		if e.Cat == "Session" && e.Name == "model_run" {
			runs++
		}
		if e.Cat != "Node" || !strings.HasSuffix(e.Name, "_kernel_time") {
			continue
		}
		perOp[e.Args.OpName] += e.Dur
		total += e.Dur
		if strings.Contains(e.Args.OpName, "Conv") {
			convUS += e.Dur
			convFlop += convFLOPs(e)
		}
	}
	if runs == 0 || total == 0 {
		b.Fatal("the profile has no runs or no kernel time")
	}
	ops := make([]string, 0, len(perOp))
	for op := range perOp {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return perOp[ops[i]] > perOp[ops[j]] })
	for _, op := range ops {
		b.ReportMetric(float64(perOp[op])/1e3/float64(runs), op+"-ms")
		b.ReportMetric(100*float64(perOp[op])/float64(total), op+"-%")
	}
	b.ReportMetric(float64(total)/1e3/float64(runs), "kernel-ms")
	b.ReportMetric(medianMS(wall), "run-ms")
	b.ReportMetric(convFlop/1e9/float64(runs), "conv-GFLOP")
	if convUS > 0 {
		b.ReportMetric(convFlop/float64(convUS)/1e3, "conv-GFLOP/s")
	}
	b.Logf("ONNX Runtime %s, %d profiled runs", ort.GetVersion(), runs)
}

// convCase is one convolution BenchmarkConvRate times: c channels in and out, size×size, k×k
// kernel, in groups (group = c: depthwise).
type convCase struct {
	name              string
	c, size, k, group int64
}

var convCases = []convCase{
	{"dense3x3", 64, 52, 3, 1},
	{"pointwise", 128, 52, 1, 1},
	{"depthwise3x3", 128, 52, 3, 128},
}

func (c convCase) flops() float64 {
	return 2 * float64(c.c*c.c/c.group*c.k*c.k*c.size*c.size)
}

// model is a one-Conv ONNX model of c (zero bias-free weights are fine: time does not depend on
// the values).
func (c convCase) model() []byte {
	wDims := []int64{c.c, c.c / c.group, c.k, c.k}
	w := make([]float32, prod(wDims))
	for i := range w {
		w[i] = float32(i%7) * 0.01
	}
	ints := func(name string, v ...int64) []byte {
		a := pbuf(nil).str(1, name)
		for _, x := range v {
			a = a.varint(8, x)
		}
		return a.varint(20, 7) // INTS
	}
	p := c.k / 2
	attrGroup := pbuf(nil).str(1, "group").varint(3, c.group).varint(20, 2) // INT
	node := pbuf(nil).str(1, "x").str(1, "w").str(2, "y").str(3, "conv").str(4, "Conv").
		bytes(5, ints("kernel_shape", c.k, c.k)).bytes(5, ints("pads", p, p, p, p)).bytes(5, attrGroup)
	return onnxModel([][]byte{node}, [][]byte{onnxInitializer("w", wDims, w)},
		[][]byte{onnxValueInfo("x", 1, c.c, c.size, c.size)}, [][]byte{onnxValueInfo("y", 1, c.c, c.size, c.size)})
}

// BenchmarkConvRate: the GFLOP/s ONNX Runtime's CPU convolutions reach on this machine for a dense
// 3x3, a pointwise and a depthwise 3x3 convolution of YOLOX-Nano's sizes, at 1 and 2 threads
// (median of runs), with Open's session options: the floor a model's convolution FLOPs put under
// its run time.
func BenchmarkConvRate(b *testing.B) {
	openTest(b, Options{}) // loads the runtime, or skips
	for _, c := range convCases {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", c.name, th), func(b *testing.B) {
				opts, _, err := newSessionOptions(sessionTuning{}, th)
				if err != nil {
					b.Fatal(err)
				}
				defer opts.Destroy()
				in, err := ort.NewEmptyTensor[float32](ort.NewShape(1, c.c, c.size, c.size))
				if err != nil {
					b.Fatal(err)
				}
				defer in.Destroy()
				out, err := ort.NewEmptyTensor[float32](ort.NewShape(1, c.c, c.size, c.size))
				if err != nil {
					b.Fatal(err)
				}
				defer out.Destroy()
				for i, d := 0, in.GetData(); i < len(d); i++ {
					d[i] = float32(i%13) * 0.1
				}
				s, err := ort.NewAdvancedSessionWithONNXData(c.model(), []string{"x"}, []string{"y"},
					[]ort.Value{in}, []ort.Value{out}, opts)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Destroy()
				var times []time.Duration
				for b.Loop() {
					t0 := time.Now()
					if err := s.Run(); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(t0))
				}
				m := medianMS(times)
				b.ReportMetric(c.flops()/m/1e6, "GFLOP/s")
				b.ReportMetric(float64(slices.Min(times))/1e6, "min-ms")
				b.ReportMetric(c.flops()/(float64(slices.Min(times))/1e6)/1e6, "best-GFLOP/s")
			})
		}
	}
}
