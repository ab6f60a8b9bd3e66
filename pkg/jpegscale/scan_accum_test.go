package jpegscale

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// planes returns copies of the pixel planes of a decoded frame.
func planes(t *testing.T, img image.Image) [][]byte {
	t.Helper()
	switch m := img.(type) {
	case *image.YCbCr:
		return [][]byte{bytes.Clone(m.Y), bytes.Clone(m.Cb), bytes.Clone(m.Cr)}
	case *image.Gray:
		return [][]byte{bytes.Clone(m.Pix)}
	}
	t.Fatalf("decoded to %T", img)
	return nil
}

// TestAccumSameAsScalar: the AVX2 accumulation of the 1/1 and 1/2 decodes gives the scalar
// loop's pixels bit for bit, on the shared photos, jpegenc frames of every subsampling,
// Go-encoded pictures at several qualities and restart-interval files.
func TestAccumSameAsScalar(t *testing.T) {
	if !haveAccum {
		testskip.Skip(t, "no AVX2 here: only the scalar loop runs", "run on an amd64 CPU with AVX2 (as CI does)")
	}
	inputs := map[string][]byte{}
	for _, name := range []string{"dog.jpg", "kite_and_cold.jpg"} {
		if data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "testdata", "images", name)); err == nil {
			inputs[name] = data
		}
	}
	for _, f := range []string{"I420", "Y42B", "Y444", "GRAY8"} {
		inputs["gst-"+f] = gstJPEG(t, 640, 360, f, "smpte")
	}
	inputs["gst-ball"] = gstJPEG(t, 656, 368, "I420", "ball")
	for _, q := range []int{30, 75, 95, 100} {
		inputs[fmt.Sprintf("go-q%d", q)] = goJPEG(t, 333, 217, false, q)
	}
	inputs["go-gray"] = goJPEG(t, 200, 120, true, 90)
	inputs["restart"] = ffmpegRestart(t, inputs["go-q95"], "yuvj420p")
	if len(inputs) < 12 {
		t.Fatalf("only %d test pictures", len(inputs))
	}
	for name, data := range inputs {
		w, h, err := Size(data)
		if err != nil {
			t.Fatal(name, err)
		}
		for _, scale := range []int{1, 2} {
			var vec Decoder
			scalar := Decoder{Scalar: true}
			fv, err := vec.Decode(data, (w+scale-1)/scale, (h+scale-1)/scale)
			if err != nil || fv.Fallback || fv.Scale != scale {
				t.Fatalf("%s at 1/%d: %v (fallback %v, scale %d)", name, scale, err, fv.Fallback, fv.Scale)
			}
			got := planes(t, fv.Image)
			fs, err := scalar.Decode(data, (w+scale-1)/scale, (h+scale-1)/scale)
			if err != nil {
				t.Fatal(name, err)
			}
			want := planes(t, fs.Image)
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("%s at 1/%d: plane %d differs from the scalar decode", name, scale, i)
				}
			}
		}
	}
}

// BenchmarkDecode640Full is the full-size decode of a 640×360 analysis frame, as detection needs
// it for a 416 model input, with the AVX2 accumulation (accum) and with the scalar loop
// (scalar), alternated call by call so that the machine's load falls on both alike; it reports
// both medians and accum/scalar. The picture is detailed (many AC coefficients a block), as a
// camera's is.
func BenchmarkDecode640Full(b *testing.B) {
	if !haveAccum {
		testskip.Skip(b, "no AVX2 here: only the scalar loop runs", "run on an amd64 CPU with AVX2")
	}
	data := goJPEG(b, 640, 360, false, 85)
	var d Decoder
	var tv, ts []time.Duration
	for b.Loop() {
		for _, v := range []bool{true, false} {
			d.Scalar = !v
			t0 := time.Now()
			f, err := d.Decode(data, 416, 234)
			if err != nil || f.Scale != 1 {
				b.Fatal(err, f.Scale)
			}
			if v {
				tv = append(tv, time.Since(t0))
			} else {
				ts = append(ts, time.Since(t0))
			}
		}
	}
	slices.Sort(tv)
	slices.Sort(ts)
	mv, ms := tv[len(tv)/2], ts[len(ts)/2]
	b.ReportMetric(float64(mv)/1e6, "accum-ms-median")
	b.ReportMetric(float64(ms)/1e6, "scalar-ms-median")
	b.ReportMetric(float64(mv)/float64(ms), "accum/scalar")
}
