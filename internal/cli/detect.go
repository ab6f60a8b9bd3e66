package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for nvrd detect
	_ "image/png"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	_ "golang.org/x/image/bmp"

	"github.com/nvrproject/nvr/pkg/detect"
)

func init() { extraCommands = append(extraCommands, newDetectCmd) }

// detectResult is what nvrd detect prints for one image.
type detectResult struct {
	Image      string             `json:"image"`
	Width      int                `json:"width"`
	Height     int                `json:"height"`
	Detections []detect.Detection `json:"detections"`
}

// newDetectCmd builds `nvrd detect`: run the detector on still images, print JSON.
func newDetectCmd(_ *globalFlags) *cobra.Command {
	var opt detect.Options
	cmd := &cobra.Command{
		Use:   "detect [flags] IMAGE...",
		Short: "find objects in still images and print them as JSON",
		Long: `detect runs the object detector on JPEG, PNG or BMP images and prints a JSON array,
one object per image: {"image","width","height","detections":[{"label","score","box"}]},
with box = [x1,y1,x2,y2] in the image's pixels.

The model defaults to models/yolox_nano.onnx beside nvrd's bin/ directory, its labels to
coco80.txt or labels.txt beside the model. ONNX Runtime is looked for in
$NVR_ONNXRUNTIME_LIB, lib/ beside bin/, then the system; scripts/setup installs both.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.ModelPath == "" {
				opt.ModelPath = defaultModelPath()
			}
			images := make([]image.Image, len(args))
			for i, p := range args {
				img, err := readImage(p)
				if err != nil {
					return err
				}
				images[i] = img
			}
			d, err := detect.Open(opt)
			if err != nil {
				return err
			}
			defer d.Close()
			results := make([]detectResult, len(args))
			for i, img := range images {
				dets, err := d.Detect(img)
				if err != nil {
					return fmt.Errorf("detection failed on %s: %w", args[i], err)
				}
				if dets == nil {
					dets = []detect.Detection{}
				}
				b := img.Bounds()
				results[i] = detectResult{Image: args[i], Width: b.Dx(), Height: b.Dy(), Detections: dets}
			}
			return writeResults(cmd.OutOrStdout(), results)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.ModelPath, "model", "", "YOLOX model (.onnx); default models/yolox_nano.onnx beside nvrd's bin/")
	f.StringVar(&opt.LabelsPath, "labels", "", "class names, one a line; default coco80.txt or labels.txt beside the model")
	f.IntVar(&opt.Threads, "threads", 0, "inference threads; 0 means all cores but one")
	f.Float64Var(&opt.MinScore, "min-score", detect.DefaultMinScore, "lowest confidence to report, 0..1")
	return cmd
}

// writeResults prints the results as a JSON array, one image a line.
func writeResults(w io.Writer, results []detectResult) error {
	var buf bytes.Buffer
	buf.WriteString("[")
	for i, r := range results {
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("cannot encode the results: %w", err)
		}
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
		buf.Write(line)
	}
	buf.WriteString("\n]\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("cannot write the results: %w", err)
	}
	return nil
}

// defaultModelPath is models/yolox_nano.onnx in the parent of the executable's directory
// (nvrd lives in bin/).
func defaultModelPath() string {
	exe, err := os.Executable()
	if err != nil {
		return filepath.Join("models", "yolox_nano.onnx")
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return filepath.Join(filepath.Dir(filepath.Dir(exe)), "models", "yolox_nano.onnx")
}

// readImage decodes one image file, with an error a person can act on.
func readImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("the image %s does not exist", path)
		}
		return nil, fmt.Errorf("cannot open the image %s: %w", path, err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if errors.Is(err, image.ErrFormat) {
		return nil, fmt.Errorf("%s is not a JPEG, PNG or BMP image", path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot decode the image %s: %w", path, err)
	}
	return img, nil
}
