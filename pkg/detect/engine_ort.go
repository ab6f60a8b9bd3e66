//go:build cgo

package detect

import (
	"errors"
	"fmt"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// ortEngine is an engine on one ONNX Runtime session with preallocated tensors.
type ortEngine struct {
	sess    *ort.AdvancedSession
	in, out *ort.Tensor[float32]
	inData  []float32
	outData []float32
}

func (e *ortEngine) input() []float32  { return e.inData }
func (e *ortEngine) output() []float32 { return e.outData }
func (e *ortEngine) run() error        { return e.sess.Run() }

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
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, modelInfo{}, fmt.Errorf("cannot create ONNX Runtime session options: %w", err)
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(threads); err != nil {
		return nil, modelInfo{}, fmt.Errorf("cannot set %d inference threads: %w", threads, err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, modelInfo{}, fmt.Errorf("cannot set the inter-op thread count: %w", err)
	}
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return nil, modelInfo{}, fmt.Errorf("cannot set the graph optimisation level: %w", err)
	}
	for _, kv := range engineTuning.configEntries() {
		if err := opts.AddSessionConfigEntry(kv[0], kv[1]); err != nil {
			return nil, modelInfo{}, fmt.Errorf("cannot set the session option %s=%s: %w", kv[0], kv[1], err)
		}
	}
	if engineTuning.profile != "" {
		if err := opts.EnableProfiling(engineTuning.profile); err != nil {
			return nil, modelInfo{}, fmt.Errorf("cannot turn on profiling: %w", err)
		}
	}
	if engineTuning.noArena {
		if err := opts.SetCpuMemArena(false); err != nil {
			return nil, modelInfo{}, fmt.Errorf("cannot turn off the memory arena: %w", err)
		}
	}
	if engineTuning.noPattern {
		if err := opts.SetMemPattern(false); err != nil {
			return nil, modelInfo{}, fmt.Errorf("cannot turn off the memory pattern: %w", err)
		}
	}
	ins, outs, err := ort.GetInputOutputInfoWithOptions(modelPath, opts)
	if err != nil {
		return nil, modelInfo{}, fmt.Errorf("cannot load the model %s (is it an ONNX file?): %w", modelPath, err)
	}
	info, err := checkModel(tensorInfos(ins), tensorInfos(outs), labels)
	if err != nil {
		return nil, modelInfo{}, fmt.Errorf("the model %s is not a YOLOX detector: %w", modelPath, err)
	}
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
