package detect

import (
	"fmt"
)

// tensorInfo describes one model input or output, as ONNX Runtime reports it.
type tensorInfo struct {
	name  string
	kind  string  // e.g. "float32 tensor"; for messages
	float bool    // a float32 tensor
	dims  []int64 // -1 (or another negative) for a dimension the model leaves open
}

// modelInfo is what Detector needs to know about a YOLOX model.
type modelInfo struct {
	inputName, outputName string
	inW, inH              int
	anchors, classes      int
	levels                []gridLevel
}

// checkModel checks that the model's inputs and outputs are those of a YOLOX detector:
// one float32 input [1,3,H,W] and a float32 output [1,anchors,5+classes]. An output
// dimension left open is filled from the input size (anchors) or the label count
// (classes).
func checkModel(ins, outs []tensorInfo, labels int) (modelInfo, error) {
	var m modelInfo
	if len(ins) != 1 {
		return m, fmt.Errorf("it has %d inputs, but a YOLOX model has one, the image", len(ins))
	}
	in := ins[0]
	if !in.float || len(in.dims) != 4 || in.dims[0] > 1 || in.dims[1] != 3 {
		return m, fmt.Errorf("its input %q is a %s of shape %v, but a YOLOX model takes a float32 tensor [1 3 height width]",
			in.name, in.kind, in.dims)
	}
	if in.dims[2] <= 0 || in.dims[3] <= 0 {
		return m, fmt.Errorf("its input %q has shape %v, an open image size; export the model with a fixed input size", in.name, in.dims)
	}
	m.inputName = in.name
	m.inH, m.inW = int(in.dims[2]), int(in.dims[3])

	if len(outs) < 1 {
		return m, fmt.Errorf("it has no output")
	}
	out := outs[0]
	m.outputName = out.name
	want3 := fmt.Sprintf("[1 anchors 5+classes] (for a %dx%d input, [1 %d 85] with the 80 COCO classes)",
		m.inW, m.inH, anchorCount(m.inW, m.inH, strideSets[0]))
	if !out.float || len(out.dims) != 3 || out.dims[0] > 1 {
		return m, fmt.Errorf("its output %q is a %s of shape %v, but a YOLOX model outputs a float32 tensor %s",
			out.name, out.kind, out.dims, want3)
	}
	m.anchors = int(out.dims[1])
	if m.anchors <= 0 {
		m.anchors = anchorCount(m.inW, m.inH, strideSets[0])
	}
	switch {
	case out.dims[2] > 5:
		m.classes = int(out.dims[2]) - 5
	case out.dims[2] < 0:
		m.classes = labels
	default:
		return m, fmt.Errorf("its output %q has shape %v, but a YOLOX model outputs %s", out.name, out.dims, want3)
	}
	levels, err := gridLevels(m.inW, m.inH, m.anchors)
	if err != nil {
		return m, fmt.Errorf("its output %q has shape %v, which does not fit its input %v: %w", out.name, out.dims, in.dims, err)
	}
	m.levels = levels
	return m, nil
}

// anchorCount is the number of grid anchors of a w×h input with the given strides.
func anchorCount(w, h int, strides []int) int {
	n := 0
	for _, s := range strides {
		n += ((w + s - 1) / s) * ((h + s - 1) / s)
	}
	return n
}
