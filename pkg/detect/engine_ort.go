//go:build cgo

package detect

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// ortEngine is an engine on one ONNX Runtime session with preallocated tensors.
type ortEngine struct {
	sess    *ort.AdvancedSession
	in, out *ort.Tensor[float32]
	inData  []float32
	outData []float32
	// With the model's Focus layer cut off (model_focus.go), stage is the [1,3,H,W] input the
	// caller writes and run copies it into inData, the Focus output, through focus (or gather,
	// a map of any other shape: inData[i] = stage[gather[i]]).
	stage  []float32
	focus  *spaceToDepth
	gather []int32
	rows   int // if above 0, only the stage's rows above it changed since the last run
}

// changedRows says that before the next run only the input's rows above rows were written.
func (e *ortEngine) changedRows(rows int) { e.rows = rows }

func (e *ortEngine) input() []float32 {
	if e.stage != nil {
		return e.stage
	}
	return e.inData
}

func (e *ortEngine) output() []float32 { return e.outData }

func (e *ortEngine) run() error {
	switch {
	case e.focus != nil:
		rows := e.focus.h
		if e.rows > 0 {
			rows = e.rows
		}
		e.focus.apply(e.inData, e.stage, rows)
		e.rows = 0
	case e.gather != nil:
		for i, j := range e.gather {
			e.inData[i] = e.stage[j]
		}
	}
	return e.sess.Run()
}

func (e *ortEngine) close() error {
	var errs []error
	if e.sess != nil {
		errs = append(errs, e.sess.Destroy())
		e.sess = nil
	}
	if e.in != nil {
		errs = append(errs, e.in.Destroy())
		e.in = nil
	}
	if e.out != nil {
		errs = append(errs, e.out.Destroy())
		e.out = nil
	}
	return errors.Join(errs...)
}

// openEngine reads the model's inputs and outputs, checks them, and opens a session using
// threads threads for one inference. loadRuntime must have succeeded.
func openEngine(modelPath string, threads, labels int) (engine, modelInfo, error) {
	opts, tuning, err := newSessionOptions(engineTuning, threads)
	if err != nil {
		return nil, modelInfo{}, err
	}
	defer opts.Destroy()
	ins, outs, err := ort.GetInputOutputInfoWithOptions(modelPath, opts)
	if err != nil {
		return nil, modelInfo{}, fmt.Errorf("cannot load the model %s (is it an ONNX file?): %w", modelPath, err)
	}
	info, err := checkModel(tensorInfos(ins), tensorInfos(outs), labels)
	if err != nil {
		return nil, modelInfo{}, fmt.Errorf("the model %s is not a YOLOX detector: %w", modelPath, err)
	}
	if tuning.keepFocus {
		return openPlainEngine(modelPath, info, opts)
	}
	model, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, modelInfo{}, fmt.Errorf("cannot read the model %s: %w", modelPath, err)
	}
	cut, ok := findFocus(model, info.inputName)
	if !ok {
		return openPlainEngine(modelPath, info, opts)
	}
	e, err := openFocusEngine(model, cut, info, opts)
	if err != nil {
		// The model's own graph still works; the cut is only faster.
		slog.Warn("detection runs the model's Focus layer in ONNX Runtime", "model", modelPath, "err", err)
		return openPlainEngine(modelPath, info, opts)
	}
	return e, info, nil
}

// openPlainEngine opens a session on the model as it is.
func openPlainEngine(modelPath string, info modelInfo, opts *ort.SessionOptions) (engine, modelInfo, error) {
	var err error
	e := &ortEngine{}
	if e.in, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, int64(info.inH), int64(info.inW))); err != nil {
		return nil, modelInfo{}, fmt.Errorf("cannot allocate the model input: %w", err)
	}
	if e.out, err = ort.NewEmptyTensor[float32](ort.NewShape(1, int64(info.anchors), int64(5+info.classes))); err != nil {
		e.close()
		return nil, modelInfo{}, fmt.Errorf("cannot allocate the model output: %w", err)
	}
	e.sess, err = ort.NewAdvancedSession(modelPath, []string{info.inputName}, []string{info.outputName},
		[]ort.Value{e.in}, []ort.Value{e.out}, opts)
	if err != nil {
		e.close()
		return nil, modelInfo{}, fmt.Errorf("cannot open an inference session on %s: %w", modelPath, err)
	}
	e.inData, e.outData = e.in.GetData(), e.out.GetData()
	return e, info, nil
}

// openFocusEngine opens a session on the model without its Focus layer. It first runs the Focus
// nodes, in a probe session, on an input whose every element holds its own index, to learn the
// copy they make.
func openFocusEngine(model []byte, cut focusCut, info modelInfo, opts *ort.SessionOptions) (*ortEngine, error) {
	inLen := 3 * info.inW * info.inH
	idx := make([]float32, inLen)
	for i := range idx {
		idx[i] = float32(i)
	}
	probeIn, err := ort.NewTensor(ort.NewShape(1, 3, int64(info.inH), int64(info.inW)), idx)
	if err != nil {
		return nil, fmt.Errorf("cannot allocate the probe input: %w", err)
	}
	defer probeIn.Destroy()
	probe, err := ort.NewDynamicAdvancedSessionWithONNXData(cut.probeModel(model), []string{info.inputName},
		[]string{info.outputName, cut.output}, opts)
	if err != nil {
		return nil, fmt.Errorf("cannot open the probe session: %w", err)
	}
	defer probe.Destroy()
	outs := []ort.Value{nil, nil}
	if err := probe.Run([]ort.Value{probeIn}, outs); err != nil {
		return nil, fmt.Errorf("the probe run failed: %w", err)
	}
	for _, v := range outs {
		if v != nil {
			defer v.Destroy()
		}
	}
	ft, ok := outs[1].(*ort.Tensor[float32])
	if !ok {
		return nil, fmt.Errorf("the Focus output %s is a %T, not a float32 tensor", cut.output, outs[1])
	}
	dims := append([]int64(nil), ft.GetShape()...)
	m, err := focusMap(ft.GetData(), inLen)
	if err != nil {
		return nil, err
	}
	e := &ortEngine{stage: make([]float32, inLen)}
	if s, ok := asSpaceToDepth(m, 3, info.inW, info.inH); ok {
		e.focus = &s
	} else {
		e.gather = m
	}
	if e.in, err = ort.NewEmptyTensor[float32](ort.NewShape(dims...)); err != nil {
		return nil, fmt.Errorf("cannot allocate the model input: %w", err)
	}
	if e.out, err = ort.NewEmptyTensor[float32](ort.NewShape(1, int64(info.anchors), int64(5+info.classes))); err != nil {
		e.close()
		return nil, fmt.Errorf("cannot allocate the model output: %w", err)
	}
	e.sess, err = ort.NewAdvancedSessionWithONNXData(cut.cutModel(model, dims), []string{cut.output}, []string{info.outputName},
		[]ort.Value{e.in}, []ort.Value{e.out}, opts)
	if err != nil {
		e.close()
		return nil, fmt.Errorf("cannot open a session on the model without its Focus layer: %w", err)
	}
	e.inData, e.outData = e.in.GetData(), e.out.GetData()
	return e, nil
}

// tensorInfos converts onnxruntime_go's descriptions into tensorInfo.
func tensorInfos(list []ort.InputOutputInfo) []tensorInfo {
	out := make([]tensorInfo, len(list))
	for i, v := range list {
		t := tensorInfo{name: v.Name, kind: strings.ToLower(strings.TrimPrefix(v.OrtValueType.String(), "ONNX_TYPE_"))}
		if v.OrtValueType == ort.ONNXTypeTensor {
			elem := strings.ToLower(strings.TrimPrefix(v.DataType.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_"))
			switch elem {
			case "float":
				elem = "float32"
			case "double":
				elem = "float64"
			}
			t.kind = elem + " tensor"
			t.float = v.DataType == ort.TensorElementDataTypeFloat
			t.dims = append([]int64(nil), v.Dimensions...)
		}
		out[i] = t
	}
	return out
}
