// Package detect finds objects in still images with a YOLOX model run by ONNX Runtime.
//
// The ONNX Runtime shared library (libonnxruntime.so) is loaded when the first Detector is
// opened, not when the program starts: a program using this package builds and runs
// without it, and Open then returns an error wrapping ErrUnavailable that says what is
// missing. One Detector holds one inference session; it is meant to be shared by every
// camera, and Detect may be called from many goroutines at once.
//
// The model contract is YOLOX's: one float32 input [1,3,H,W] taking a BGR image with
// values 0..255, letterboxed (scaled to fit, placed top-left, padded with 114), and one
// float32 output [1,anchors,5+classes] holding, per grid anchor, the raw box
// (cx, cy, w, h), the objectness and the class scores. The input size and the class count
// are read from the model itself.
package detect

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
)

// DefaultMinScore is the confidence (objectness × class score) below which a detection is
// dropped when Options.MinScore is zero.
const DefaultMinScore = 0.3

// nmsIoU is the overlap above which the weaker of two boxes of one class is suppressed.
const nmsIoU = 0.45

// Options says which model to run and how.
type Options struct {
	// ModelPath is the YOLOX .onnx file. Required.
	ModelPath string
	// LabelsPath is a text file with one class name a line, line N naming class N-1.
	// Empty means coco80.txt, else labels.txt, in the model's directory.
	LabelsPath string
	// LibraryPath is the ONNX Runtime shared library to load. Empty means
	// $NVR_ONNXRUNTIME_LIB, then lib/libonnxruntime.so* in the executable's directory or
	// its parent, then the system's libonnxruntime.so.1 or libonnxruntime.so. Only the
	// first library loaded in a process is used: ONNX Runtime cannot be loaded twice.
	LibraryPath string
	// Threads is the number of threads one inference may use. Zero means all cores but
	// one, at least one.
	Threads int
	// MinScore is the confidence a detection needs to be reported, in (0,1].
	// Zero means DefaultMinScore.
	MinScore float64
}

// Detection is one object found in an image.
type Detection struct {
	// Label is the class name, from the labels file.
	Label string `json:"label"`
	// Score is the confidence in [0,1]: objectness × class score, to 4 decimals.
	Score float64 `json:"score"`
	// Box is x1, y1, x2, y2 in source pixels, measured from the top-left corner of the
	// image's bounds, clamped to the image, to 0.01 pixel.
	Box [4]float64 `json:"box"`
}

// Detector runs one YOLOX model. Its methods are safe for concurrent use; inferences are
// run one at a time on the single session.
type Detector struct {
	mu       sync.Mutex // guards eng and its input and output buffers
	eng      engine
	closed   bool
	model    modelInfo
	labels   []string
	minScore float32
	// padded is the scaled size (w, h) whose padding the input tensor holds: frames of one
	// size leave the padding as the previous one wrote it, so it is written once per size.
	padded [2]int
}

// Open loads ONNX Runtime if needed, then the model and its labels. The error wraps
// ErrUnavailable when the runtime library or the model file cannot be found.
func Open(opt Options) (*Detector, error) {
	if opt.ModelPath == "" {
		return nil, errors.New("no model file was given")
	}
	if _, err := os.Stat(opt.ModelPath); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: the model %s does not exist; run scripts/setup to fetch the default model or pass another one", ErrUnavailable, opt.ModelPath)
		}
		return nil, fmt.Errorf("cannot read the model %s: %w", opt.ModelPath, err)
	}
	if opt.MinScore < 0 || opt.MinScore > 1 {
		return nil, fmt.Errorf("the minimum score must be between 0 and 1, not %g", opt.MinScore)
	}
	minScore := opt.MinScore
	if minScore == 0 {
		minScore = DefaultMinScore
	}
	threads := opt.Threads
	if threads < 0 {
		return nil, fmt.Errorf("the thread count must not be negative, not %d", threads)
	}
	if threads == 0 {
		threads = max(runtime.NumCPU()-1, 1)
	}
	labelsPath, err := findLabels(opt.ModelPath, opt.LabelsPath)
	if err != nil {
		return nil, err
	}
	labels, err := readLabels(labelsPath)
	if err != nil {
		return nil, err
	}
	if err := loadRuntime(opt.LibraryPath); err != nil {
		return nil, err
	}
	eng, info, err := openEngine(opt.ModelPath, threads, len(labels))
	if err != nil {
		return nil, err
	}
	if info.classes != len(labels) {
		eng.close()
		return nil, fmt.Errorf("model %s has %d classes but the labels file %s names %d; give the labels file that belongs to this model",
			opt.ModelPath, info.classes, labelsPath, len(labels))
	}
	return &Detector{eng: eng, model: info, labels: labels, minScore: float32(minScore)}, nil
}

// Labels returns the class names the model knows, in class order.
func (d *Detector) Labels() []string {
	return append([]string(nil), d.labels...)
}

// Detect finds objects in img, best score first.
func (d *Detector) Detect(img image.Image) ([]Detection, error) {
	if img == nil {
		return nil, errors.New("no image was given")
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, fmt.Errorf("the image is empty (%dx%d)", b.Dx(), b.Dy())
	}
	lb := newLetterbox(b.Dx(), b.Dy(), d.model.inW, d.model.inH)
	return d.detect(img, lb, 1, float64(b.Dx()), float64(b.Dy()))
}

// detect runs the model on img letterboxed by lb. Boxes, in img's pixels, are multiplied
// by scale and clamped to fullW×fullH: the size of the picture img was reduced from.
func (d *Detector) detect(img image.Image, lb letterbox, scale, fullW, fullH float64) ([]Detection, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, errors.New("the detector is closed")
	}
	in := d.eng.input()
	lb.sample(in, img)
	if d.padded != [2]int{lb.w, lb.h} {
		lb.pad(in)
		d.padded = [2]int{lb.w, lb.h}
	} else if rc, ok := d.eng.(rowsChanger); ok {
		rc.changedRows(lb.h) // the padding rows below are as the last run had them
	}
	if err := d.eng.run(); err != nil {
		d.mu.Unlock()
		return nil, fmt.Errorf("running the model failed: %w", err)
	}
	cands := decodeYOLOX(d.eng.output(), d.model.classes, d.model.levels, d.minScore)
	d.mu.Unlock()

	inside := cands[:0]
	for _, c := range cands {
		c.box = lb.toSource(c.box)
		if scale != 1 {
			c.box = [4]float64{
				clamp(c.box[0]*scale, 0, fullW), clamp(c.box[1]*scale, 0, fullH),
				clamp(c.box[2]*scale, 0, fullW), clamp(c.box[3]*scale, 0, fullH),
			}
		}
		if c.box[2] > c.box[0] && c.box[3] > c.box[1] { // else it lay in the padding
			inside = append(inside, c)
		}
	}
	kept := nms(inside, nmsIoU)
	out := make([]Detection, 0, len(kept))
	for _, c := range kept {
		out = append(out, Detection{
			Label: d.labels[c.class],
			Score: roundTo(float64(c.score), 1e4),
			Box:   [4]float64{roundTo(c.box[0], 100), roundTo(c.box[1], 100), roundTo(c.box[2], 100), roundTo(c.box[3], 100)},
		})
	}
	return out, nil
}

// Close frees the session. Detect fails afterwards; Close may be called more than once.
// The ONNX Runtime library itself stays loaded for the life of the process.
func (d *Detector) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	if err := d.eng.close(); err != nil {
		return fmt.Errorf("closing the detection session failed: %w", err)
	}
	return nil
}

// findLabels returns the labels file to use: the given one, else coco80.txt or labels.txt
// beside the model.
func findLabels(modelPath, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	dir := filepath.Dir(modelPath)
	for _, name := range []string{"coco80.txt", "labels.txt"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no labels file (coco80.txt or labels.txt) is beside the model in %s; give one with one class name a line", ErrUnavailable, dir)
}

// roundTo rounds v to a multiple of 1/per: the model's float32 output carries no more
// precision, and the rounded numbers read better in JSON.
func roundTo(v, per float64) float64 { return math.Round(v*per) / per }

// sortByScore orders candidates best first; ties keep a stable, deterministic order.
func sortByScore(c []candidate) {
	sort.SliceStable(c, func(i, j int) bool { return c[i].score > c[j].score })
}
