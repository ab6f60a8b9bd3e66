package motion

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// compareWithStd decodes data with the fast decoder at every scale and
// checks each output pixel against the mean of the pixels it stands for in
// image/jpeg's full-size decode.
func compareWithStd(t *testing.T, data []byte) {
	t.Helper()
	ref, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	var tmp plane
	full := lumaOf(ref, &tmp)
	var d grayDecoder
	for _, s := range []int{1, 2, 4, 8} {
		p, w, h, err := d.decode(data, (full.W*s+7)/8)
		if err != nil {
			t.Fatalf("scale 1/%d: %v", 8/s, err)
		}
		if w != full.W || h != full.H || (w >= 8 && d.scale != s) {
			t.Fatalf("scale 1/%d: got %d×%d at scale %d, want %d×%d", 8/s, w, h, d.scale, full.W, full.H)
		}
		if p.W != (w*s+7)/8 || p.H != (h*s+7)/8 {
			t.Fatalf("scale 1/%d: plane is %d×%d", 8/s, p.W, p.H)
		}
		s = d.scale // tiny frames may need no more than 1/8 to reach minWidth
		n := 8 / s
		var sumDiff float64
		maxDiff, count := 0.0, 0
		for y := 0; y < h/n; y++ {
			for x := 0; x < w/n; x++ {
				var sum int
				for yy := y * n; yy < (y+1)*n; yy++ {
					for xx := x * n; xx < (x+1)*n; xx++ {
						sum += int(full.Pix[yy*full.Stride+xx])
					}
				}
				diff := math.Abs(float64(p.Pix[y*p.Stride+x]) - float64(sum)/float64(n*n))
				sumDiff += diff
				maxDiff = math.Max(maxDiff, diff)
				count++
			}
		}
		if count == 0 {
			continue
		}
		mean := sumDiff / float64(count)
		// image/jpeg rounds and clamps each pixel before we average
		// them, and uses an integer IDCT; the fast decoder averages
		// exactly. Both differences are a fraction of a grey level,
		// except where clamping cuts off ringing near black and white.
		if mean > 0.5 || maxDiff > 3 {
			t.Errorf("scale 1/%d: mean |diff| %.3f, max %.1f grey levels", 8/s, mean, maxDiff)
		}
	}
}

func TestDecodeMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	sizes := [][2]int{{320, 240}, {333, 197}, {64, 48}, {17, 9}, {8, 8}, {1, 1}}
	for _, sz := range sizes {
		g := scene(sz[0], sz[1])
		addNoise(g, 3, rng)
		for _, q := range []int{30, 75, 85, 95, 100} {
			t.Run(fmt.Sprintf("gray_%dx%d_q%d", sz[0], sz[1], q), func(t *testing.T) {
				compareWithStd(t, encodeJPEG(t, g, q))
			})
			t.Run(fmt.Sprintf("420_%dx%d_q%d", sz[0], sz[1], q), func(t *testing.T) {
				compareWithStd(t, encodeJPEG(t, colorize(g), q))
			})
		}
	}
}

// ffmpegJPEG encodes img with ffmpeg's MJPEG encoder in the given pixel
// format (yuvj420p, yuvj422p or yuvj444p). slices > 1 makes ffmpeg write
// restart markers. The test is skipped when ffmpeg is not installed.
func ffmpegJPEG(t *testing.T, img *image.Gray, pixFmt string, slices int) []byte {
	t.Helper()
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed; skipping 4:2:2/4:4:4/restart-marker cases")
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	rgb := make([]byte, 0, w*h*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := img.Pix[y*img.Stride+x]
			rgb = append(rgb, v, clamp8(float64(v)*0.8+20), clamp8(255-float64(v)*0.9))
		}
	}
	cmd := exec.Command(path, "-hide_banner", "-loglevel", "error",
		"-f", "rawvideo", "-pix_fmt", "rgb24", "-s", fmt.Sprintf("%dx%d", w, h), "-i", "-",
		"-frames:v", "1", "-c:v", "mjpeg", "-pix_fmt", pixFmt, "-q:v", "3",
		"-slices", fmt.Sprint(slices), "-threads", fmt.Sprint(slices),
		"-f", "image2pipe", "-")
	cmd.Stdin = bytes.NewReader(rgb)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, stderr.String())
	}
	return out.Bytes()
}

func TestDecodeFFmpegSubsamplings(t *testing.T) {
	g := scene(352, 288)
	addNoise(g, 3, rand.New(rand.NewSource(2)))
	for _, pf := range []string{"yuvj420p", "yuvj422p", "yuvj444p"} {
		for _, slices := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s_slices%d", pf, slices), func(t *testing.T) {
				data := ffmpegJPEG(t, g, pf, slices)
				if slices > 1 && !bytes.Contains(data, []byte{0xff, 0xdd}) {
					t.Fatal("ffmpeg wrote no restart interval; the test would not cover restart markers")
				}
				compareWithStd(t, data)
			})
		}
	}
}

// TestDecodeGStreamerJPEG checks frames from GStreamer's jpegenc (libjpeg),
// the encoder the camera pipeline uses, in every subsampling it offers.
func TestDecodeGStreamerJPEG(t *testing.T) {
	gst, err := exec.LookPath("gst-launch-1.0")
	if err != nil {
		t.Skip("gst-launch-1.0 is not installed; skipping jpegenc cases")
	}
	for _, format := range []string{"I420", "Y42B", "Y444", "GRAY8"} {
		for _, pattern := range []string{"smpte", "snow", "zone-plate"} {
			t.Run(format+"_"+pattern, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "frame.jpg")
				out, err := exec.Command(gst, "-q", "videotestsrc", "num-buffers=1", "pattern="+pattern,
					"kx2=20", "ky2=20", "kt=1", "!",
					"video/x-raw,width=642,height=363,format="+format, "!",
					"jpegenc", "quality=85", "!", "filesink", "location="+path).CombinedOutput()
				if err != nil {
					t.Fatalf("gst-launch-1.0: %v: %s", err, out)
				}
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				compareWithStd(t, data)
			})
		}
	}
}

func TestDecodeUnsupportedIsReported(t *testing.T) {
	data := encodeJPEG(t, colorize(scene(64, 64)), 85)
	i := bytes.Index(data, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 marker in image/jpeg output")
	}
	prog := append([]byte(nil), data...)
	prog[i+1] = 0xc2 // claim progressive
	var d grayDecoder
	if _, _, _, err := d.decode(prog, 8); !errors.Is(err, errUnsupported) {
		t.Errorf("progressive: got %v, want errUnsupported", err)
	}
	if _, _, _, err := d.decode(data[:len(data)/2], 8); !errors.Is(err, errCorrupt) {
		t.Errorf("truncated: got %v, want errCorrupt", err)
	}
	if _, _, _, err := d.decode([]byte("not a jpeg"), 8); !errors.Is(err, errCorrupt) {
		t.Errorf("garbage: got %v, want errCorrupt", err)
	}
	// And the decoder still works after errors.
	if _, _, _, err := d.decode(data, 8); err != nil {
		t.Errorf("valid file after errors: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	g := scene(48, 40)
	addNoise(g, 4, rand.New(rand.NewSource(3)))
	f.Add(encodeJPEG(f, g, 75))
	f.Add(encodeJPEG(f, colorize(g), 90))
	f.Add(encodeJPEG(f, colorize(scene(17, 9)), 50))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d grayDecoder
		for _, minWidth := range []int{1, 8, 40, 1000} {
			p, w, h, err := d.decode(data, minWidth)
			if err != nil {
				continue
			}
			if w <= 0 || h <= 0 || p.W <= 0 || p.H <= 0 || p.W > p.Stride || len(p.Pix) < (p.H-1)*p.Stride+p.W {
				t.Fatalf("bad result %d×%d plane %d×%d stride %d len %d", w, h, p.W, p.H, p.Stride, len(p.Pix))
			}
		}
	})
}
