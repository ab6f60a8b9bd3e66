package detect

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// YOLOX starts with a Focus layer: eight Slice nodes take every other row and column of the
// input, four ways, and a Concat stacks them into a [1,12,H/2,W/2] tensor for the first
// convolution. ONNX Runtime runs those slices element by element (about 6 % of a run); the same
// space-to-depth copy done here while the input is handed over is a fraction of that. focusCut
// finds the Focus nodes in a model, and the model without them takes the Concat's output as its
// input. What the cut-off nodes did is not assumed: the engine runs them once on an input whose
// every value is its own index and reads back where each value went (focusMap), so the copy is
// the model's own, value for value.

// nodeInfo is what focusCut needs of an ONNX NodeProto.
type nodeInfo struct {
	op        string
	ins, outs []string
}

// ONNX protobuf field numbers (onnx.proto).
const (
	modelGraph    = 7  // ModelProto.graph
	graphNode     = 1  // GraphProto.node
	graphInput    = 11 // GraphProto.input
	graphOutput   = 12 // GraphProto.output
	nodeInput     = 1  // NodeProto.input
	nodeOutput    = 2  // NodeProto.output
	nodeOpType    = 4  // NodeProto.op_type
	valueInfoName = 1  // ValueInfoProto.name
	onnxFloat     = 1  // TensorProto.FLOAT
)

// protoFields calls f with each field of a protobuf message; it reports false on bad data.
func protoFields(b []byte, f func(num protowire.Number, typ protowire.Type, raw, val []byte) bool) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return false
		}
		raw := b[:n+m]
		var val []byte
		if typ == protowire.BytesType {
			val, _ = protowire.ConsumeBytes(b[n:])
		}
		if !f(num, typ, raw, val) {
			return false
		}
		b = b[n+m:]
	}
	return true
}

// modelGraphBytes returns the GraphProto of an ONNX model.
func modelGraphBytes(model []byte) ([]byte, bool) {
	var g []byte
	ok := protoFields(model, func(num protowire.Number, typ protowire.Type, raw, val []byte) bool {
		if num == modelGraph && typ == protowire.BytesType {
			g = val
		}
		return true
	})
	return g, ok && g != nil
}

// replaceGraph returns model with its graph replaced by g.
func replaceGraph(model, g []byte) []byte {
	var out []byte
	protoFields(model, func(num protowire.Number, typ protowire.Type, raw, val []byte) bool {
		if num == modelGraph && typ == protowire.BytesType {
			out = protowire.AppendTag(out, modelGraph, protowire.BytesType)
			out = protowire.AppendBytes(out, g)
			return true
		}
		out = append(out, raw...)
		return true
	})
	return out
}

func parseNode(b []byte) nodeInfo {
	var n nodeInfo
	protoFields(b, func(num protowire.Number, typ protowire.Type, raw, val []byte) bool {
		switch {
		case typ != protowire.BytesType:
		case num == nodeInput:
			n.ins = append(n.ins, string(val))
		case num == nodeOutput:
			n.outs = append(n.outs, string(val))
		case num == nodeOpType:
			n.op = string(val)
		}
		return true
	})
	return n
}

func valueInfoNameOf(b []byte) string {
	var name string
	protoFields(b, func(num protowire.Number, typ protowire.Type, raw, val []byte) bool {
		if num == valueInfoName && typ == protowire.BytesType {
			name = string(val)
		}
		return true
	})
	return name
}

// floatValueInfo encodes a ValueInfoProto for a float tensor; dims nil leaves the shape open.
func floatValueInfo(name string, dims []int64) []byte {
	var shape []byte
	for _, d := range dims {
		var dim []byte
		dim = protowire.AppendTag(dim, 1, protowire.VarintType) // Dimension.dim_value
		dim = protowire.AppendVarint(dim, uint64(d))
		shape = protowire.AppendTag(shape, 1, protowire.BytesType) // TensorShapeProto.dim
		shape = protowire.AppendBytes(shape, dim)
	}
	var tensor []byte
	tensor = protowire.AppendTag(tensor, 1, protowire.VarintType) // TypeProto.Tensor.elem_type
	tensor = protowire.AppendVarint(tensor, onnxFloat)
	if dims != nil {
		tensor = protowire.AppendTag(tensor, 2, protowire.BytesType) // TypeProto.Tensor.shape
		tensor = protowire.AppendBytes(tensor, shape)
	}
	var typ []byte
	typ = protowire.AppendTag(typ, 1, protowire.BytesType) // TypeProto.tensor_type
	typ = protowire.AppendBytes(typ, tensor)
	var vi []byte
	vi = protowire.AppendTag(vi, valueInfoName, protowire.BytesType)
	vi = protowire.AppendString(vi, name)
	vi = protowire.AppendTag(vi, 2, protowire.BytesType) // ValueInfoProto.type
	vi = protowire.AppendBytes(vi, typ)
	return vi
}

// focusCut is a model's Focus layer: the nodes from its input to the Concat.
type focusCut struct {
	input  string       // the model's input
	output string       // the Concat's output: the cut model's input
	nodes  map[int]bool // indices of the Slice and Concat nodes
}

// findFocus looks for a Focus layer in an ONNX model: Slice nodes fed by the model's one input
// (directly or through other such Slices) and a Concat of Slice outputs, with nothing else
// reading the input or the slices.
func findFocus(model []byte, input string) (focusCut, bool) {
	g, ok := modelGraphBytes(model)
	if !ok {
		return focusCut{}, false
	}
	var nodes []nodeInfo
	if !protoFields(g, func(num protowire.Number, typ protowire.Type, raw, val []byte) bool {
		if num == graphNode && typ == protowire.BytesType {
			nodes = append(nodes, parseNode(val))
		}
		return true
	}) {
		return focusCut{}, false
	}
	produced := map[string]bool{input: true} // the input and the slices' outputs
	cut := focusCut{input: input, nodes: map[int]bool{}}
	for i, n := range nodes {
		switch {
		case n.op == "Slice" && len(n.ins) > 0 && produced[n.ins[0]] && len(n.outs) == 1:
			produced[n.outs[0]] = true
			cut.nodes[i] = true
		case n.op == "Concat" && len(n.outs) == 1 && len(n.ins) > 1 && cut.output == "":
			all := true
			for _, in := range n.ins {
				all = all && produced[in] && in != input
			}
			if all {
				cut.output = n.outs[0]
				cut.nodes[i] = true
			}
		}
	}
	if cut.output == "" {
		return focusCut{}, false
	}
	// Nothing outside the cut may read the input or a slice's output.
	for i, n := range nodes {
		if cut.nodes[i] {
			continue
		}
		for _, in := range n.ins {
			if produced[in] {
				return focusCut{}, false
			}
		}
	}
	return cut, true
}

// probeModel is the model with the Focus output as a second graph output.
func (c focusCut) probeModel(model []byte) []byte {
	g, _ := modelGraphBytes(model)
	g = append(g[:len(g):len(g)], protowire.AppendTag(nil, graphOutput, protowire.BytesType)...)
	g = protowire.AppendBytes(g, floatValueInfo(c.output, nil))
	return replaceGraph(model, g)
}

// cutModel is the model without its Focus nodes, taking their output (of shape dims) as its input.
func (c focusCut) cutModel(model []byte, dims []int64) []byte {
	g, _ := modelGraphBytes(model)
	var out []byte
	i := 0
	protoFields(g, func(num protowire.Number, typ protowire.Type, raw, val []byte) bool {
		switch {
		case num == graphNode && typ == protowire.BytesType:
			drop := c.nodes[i]
			i++
			if drop {
				return true
			}
		case num == graphInput && typ == protowire.BytesType && valueInfoNameOf(val) == c.input:
			out = protowire.AppendTag(out, graphInput, protowire.BytesType)
			out = protowire.AppendBytes(out, floatValueInfo(c.output, dims))
			return true
		}
		out = append(out, raw...)
		return true
	})
	return replaceGraph(model, out)
}

// focusMap is, for each element of the Focus output, the index of the input element it is:
// the probe's output when every input element holds its own index. It checks that each is a
// whole index inside the input.
func focusMap(probeOut []float32, inputLen int) ([]int32, error) {
	m := make([]int32, len(probeOut))
	for i, v := range probeOut {
		j := int32(v)
		if float32(j) != v || j < 0 || int(j) >= inputLen {
			return nil, fmt.Errorf("element %d of the Focus output is %g, not an input index", i, v)
		}
		m[i] = j
	}
	return m, nil
}

// spaceToDepth is a Focus map recognised as YOLOX's: output channel k is input plane
// src[k].c sampled at rows 2y+dy and columns 2x+dx.
type spaceToDepth struct {
	w, h int // input plane size
	src  []struct{ c, dy, dx int }
	// pairs are, for each input row kind (plane c, row parity dy), the channels taking its even
	// and its odd columns: apply reads each input row once and splits it.
	pairs []focusPair
}

type focusPair struct{ c, dy, even, odd int }

// withPairs fills s.pairs; it reports false unless every (plane, row parity) has exactly one
// channel for its even columns and one for its odd ones.
func (s *spaceToDepth) withPairs() bool {
	s.pairs = nil
	for k, a := range s.src {
		if a.dx != 0 {
			continue
		}
		odd := -1
		for j, b := range s.src {
			if b.c == a.c && b.dy == a.dy && b.dx == 1 {
				odd = j
			}
		}
		if odd < 0 {
			return false
		}
		s.pairs = append(s.pairs, focusPair{c: a.c, dy: a.dy, even: k, odd: odd})
	}
	return 2*len(s.pairs) == len(s.src)
}

// asSpaceToDepth recognises m (over an input of planes w×h) as a 2×2 space-to-depth.
func asSpaceToDepth(m []int32, planes, w, h int) (spaceToDepth, bool) {
	ow, oh := w/2, h/2
	if w%2 != 0 || h%2 != 0 || len(m) != 4*planes*ow*oh {
		return spaceToDepth{}, false
	}
	s := spaceToDepth{w: w, h: h}
	for k := range 4 * planes {
		first := int(m[k*ow*oh])
		c, r := first/(w*h), first%(w*h)
		dy, dx := r/w, r%w
		if dy > 1 || dx > 1 {
			return spaceToDepth{}, false
		}
		for y := range oh {
			for x := range ow {
				want := c*w*h + (2*y+dy)*w + 2*x + dx
				if int(m[k*ow*oh+y*ow+x]) != want {
					return spaceToDepth{}, false
				}
			}
		}
		s.src = append(s.src, struct{ c, dy, dx int }{c, dy, dx})
	}
	if !s.withPairs() {
		return spaceToDepth{}, false
	}
	return s, true
}

// apply writes the Focus output of in (planes of s.w×s.h) into out, for the input rows below
// rows only (the output rows they make): the caller knows the rows further down did not change.
func (s spaceToDepth) apply(out, in []float32, rows int) {
	ow, oh := s.w/2, s.h/2
	oy := min((rows+1)/2, oh)
	for _, p := range s.pairs {
		plane := in[p.c*s.w*s.h : (p.c+1)*s.w*s.h]
		even := out[p.even*ow*oh : (p.even+1)*ow*oh]
		odd := out[p.odd*ow*oh : (p.odd+1)*ow*oh]
		for y := range oy {
			row := plane[(2*y+p.dy)*s.w:][: 2*ow : 2*ow]
			e := even[y*ow:][:ow:ow]
			o := odd[y*ow:][:ow:ow]
			for x := range e {
				pair := row[2*x : 2*x+2 : 2*x+2]
				e[x], o[x] = pair[0], pair[1]
			}
		}
	}
}
