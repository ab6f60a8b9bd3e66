package detect

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A few ONNX protobuf messages, written by hand so the tests can make tiny models without
// a protobuf library. Field numbers are those of onnx.proto.

type pbuf []byte

func (b pbuf) tag(field, wire int) pbuf { return binary.AppendUvarint(b, uint64(field<<3|wire)) }

func (b pbuf) varint(field int, v int64) pbuf {
	return binary.AppendUvarint(b.tag(field, 0), uint64(v))
}

func (b pbuf) bytes(field int, v []byte) pbuf {
	b = binary.AppendUvarint(b.tag(field, 2), uint64(len(v)))
	return append(b, v...)
}

func (b pbuf) str(field int, s string) pbuf { return b.bytes(field, []byte(s)) }

// onnxTensorType is a TypeProto for a float32 tensor; a negative dim is left open.
func onnxTensorType(dims ...int64) []byte {
	var shape pbuf
	for _, d := range dims {
		var dim pbuf
		if d < 0 {
			dim = dim.str(2, "n") // dim_param
		} else {
			dim = dim.varint(1, d) // dim_value
		}
		shape = shape.bytes(1, dim)
	}
	tensor := pbuf(nil).varint(1, 1).bytes(2, shape) // elem_type FLOAT, shape
	return pbuf(nil).bytes(1, tensor)                // tensor_type
}

func onnxValueInfo(name string, dims ...int64) []byte {
	return pbuf(nil).str(1, name).bytes(2, onnxTensorType(dims...))
}

func onnxNode(op, in, out string) []byte {
	return pbuf(nil).str(1, in).str(2, out).str(3, op+"_0").str(4, op)
}

func onnxInitializer(name string, dims []int64, data []float32) []byte {
	var b pbuf
	for _, d := range dims {
		b = b.varint(1, d)
	}
	raw := make([]byte, 0, 4*len(data))
	for _, v := range data {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	return b.varint(2, 1).str(8, name).bytes(9, raw) // data_type FLOAT, name, raw_data
}

// onnxModel wraps one graph in a ModelProto (IR 7, opset 11).
func onnxModel(nodes, inits, inputs, outputs [][]byte) []byte {
	var g pbuf
	for _, n := range nodes {
		g = g.bytes(1, n)
	}
	g = g.str(2, "test")
	for _, i := range inits {
		g = g.bytes(5, i)
	}
	for _, i := range inputs {
		g = g.bytes(11, i)
	}
	for _, o := range outputs {
		g = g.bytes(12, o)
	}
	opset := pbuf(nil).str(1, "").varint(2, 11)
	return pbuf(nil).varint(1, 7).str(2, "nvr-test").bytes(7, g).bytes(8, opset)
}

// writeModel writes model and a labels file with the given names into a new directory
// and returns the model's path.
func writeModel(t *testing.T, model []byte, labels ...string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(p, model, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "labels.txt"), []byte(strings.Join(labels, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// identityModel passes a [1,3,32,32] input through: not a detector.
func identityModel() []byte {
	return onnxModel(
		[][]byte{onnxNode("Identity", "images", "output")}, nil,
		[][]byte{onnxValueInfo("images", 1, 3, 32, 32)},
		[][]byte{onnxValueInfo("output", 1, 3, 32, 32)},
	)
}

// constantYOLOX is a model shaped like YOLOX with a 32x32 input (21 anchors) and the
// given class count, which ignores its input and always outputs raw.
func constantYOLOX(classes int, raw []float32) []byte {
	dims := []int64{1, 21, int64(5 + classes)}
	return onnxModel(
		[][]byte{onnxNode("Identity", "raw", "output")},
		[][]byte{onnxInitializer("raw", dims, raw)},
		[][]byte{onnxValueInfo("images", 1, 3, 32, 32)},
		[][]byte{onnxValueInfo("output", dims...)},
	)
}
